-- requeue-dead-consumer.lua: give a dead consumer's messages back to the queue.
--
-- KEYS[1] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[4] ready list       keys.ready(queue)                    list
-- KEYS[5] dead letters     keys.dead(queue)                     list
-- KEYS[6] consumer set     keys.consumers(queue)                set
-- ARGV[1] the consumer id   ARGV[2] maxDeliveries   ARGV[3] now, epoch ms
-- ARGV[4] the queue name, for dead-letter entries   ARGV[5] the dead-letter cap (10000)
-- ARGV[6] the delivery from which a message runs alone (reaper.ts runsAloneFrom(), 3)
--
-- Returns: { requeued, dead-lettered raw messages... }, or { -1 } if the consumer is alive.
-- Guarantees: nothing is taken from a consumer whose heartbeat exists; each message goes
--   back to the consuming (right) end, oldest claim rightmost, so it runs next. The
--   delivery count, written as the first field, counts only deliveries in which the
--   message may have run: +1 for the quarantined message and for one that ran in a batch;
--   none for a message still in the processing list with deliveries >= ARGV[6], which
--   was waiting for the quarantine slot and had not started. Only the quarantined message, the one that ran
--   alone, is dead-lettered for exceeding maxDeliveries: the others may have died of a
--   neighbour (docs/RELIABILITY.md).
-- Why Lua: the heartbeat check and the moves must be one step, or a consumer that comes
--   back between them would lose the messages it still works on.

if redis.call('EXISTS', KEYS[1]) == 1 then return { -1 } end
local max = tonumber(ARGV[2])
local function bump(raw, ran)
  local n, rest = string.match(raw, '^{"deliveries":(%d+),(.*)$')
  if n and not ran and tonumber(n) >= tonumber(ARGV[6]) then return tonumber(n), raw end
  if n then n = tonumber(n) + 1 return n, '{"deliveries":' .. n .. ',' .. rest end
  local body = string.match(raw, '^%s*{(.*)$')
  if body then return 2, '{"deliveries":2,' .. body end
  return 2, raw -- not a JSON object: the consumer dead-letters it as malformed
end

local out = { 0 }
for _, raw in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
  local n, rewritten = bump(raw, true)
  if n > max then
    redis.call('LPUSH', KEYS[5], cjson.encode({ reason = 'redelivered', raw = raw, queue = ARGV[4],
      deadAt = tonumber(ARGV[3]), deliveries = n - 1,
      error = 'its consumer died while running it, ' .. (n - 1) .. ' times; maxDeliveries is ' .. max }))
    redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[5]) - 1)
    out[#out + 1] = raw
  else
    redis.call('RPUSH', KEYS[4], rewritten)
    out[1] = out[1] + 1
  end
end
-- The processing list holds the newest claim on the left: pushing left to right on the
-- right end leaves the oldest claim at the consuming end.
for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local _, rewritten = bump(raw, false)
  redis.call('RPUSH', KEYS[4], rewritten)
  out[1] = out[1] + 1
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SREM', KEYS[6], ARGV[1])
return out
