#!lua flags=allow-oom
-- requeue-dead-consumer.lua: give a dead consumer's messages back to the queue, a chunk at a time.
--
-- KEYS[1] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[4] ready list       keys.ready(queue)                    list
-- KEYS[5] dead letters     keys.dead(queue)                     list
-- KEYS[6] consumer set     keys.consumers(queue)                sorted set, score: keep-until
-- KEYS[7..] result key     keys.result(queue, id) of the quarantined message: given only when it has an id
-- ARGV[1] the consumer id   ARGV[2] maxDeliveries   ARGV[3] the queue name, for dead letters
-- ARGV[4] the dead-letter cap (10000)   ARGV[5] the delivery from which a message runs alone
-- ARGV[6] the most messages to move in this call (bounded work per call)
-- ARGV[7] the quarantined message the caller read, '' for none (KEYS[7] is its result key)
-- ARGV[8] the FAILURE record for a dead-lettered poison pill   ARGV[9] result TTL, ms
-- ARGV[10] the results channel, keys.resultChannel(queue)   ARGV[11] dead-letter TTL, ms
-- ARGV[12] the quarantined message's id ('' for none): PUBLISHed when its FAILURE is written
--
-- Returns: { requeued, left, dead-lettered raw messages... } (left: messages still in the
--   lists, for the next call); { -1 } if the consumer is alive; { -2 } if the quarantine
--   list no longer holds ARGV[7] (read again and call again).
-- Guarantees: nothing is taken from a consumer whose heartbeat exists. Its id leaves the
--   consumer set only once its lists are empty and its keep-until score has passed, so a
--   blocking claim (BLMOVE) that lands after its heartbeat expired is still found. Each
--   message goes back to the consuming (right) end, oldest claim rightmost. The delivery
--   count, written as the first field, counts only deliveries in which the message may
--   have run: +1 for the quarantined message and for one that ran in a batch; none for a
--   message still in the processing list with deliveries >= ARGV[5], which was waiting
--   for the quarantine slot. Only the quarantined message, the one that ran alone, is
--   dead-lettered for exceeding maxDeliveries, and its FAILURE is written only when no
--   final state is there (a slow task that did finish keeps its SUCCESS).
-- Why Lua: the heartbeat check and the moves must be one step, or a consumer that comes
--   back between them would lose the messages it still works on. allow-oom: recovery
--   moves messages, it does not add them, and must not wait for memory.

if redis.call('EXISTS', KEYS[1]) == 1 then return { -1 } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max, chunk = tonumber(ARGV[2]), tonumber(ARGV[6])
local function bump(raw, ran)
  local n, rest = string.match(raw, '^{"deliveries":(%d+),(.*)$')
  if n and not ran and tonumber(n) >= tonumber(ARGV[5]) then return tonumber(n), raw end
  if n then n = tonumber(n) + 1 return n, '{"deliveries":' .. n .. ',' .. rest end
  local body = string.match(raw, '^%s*{(.*)$')
  if body then return 2, '{"deliveries":2,' .. body end
  return 2, raw -- not a JSON object: the consumer dead-letters it as malformed
end

local out = { 0, 0 }
local quarantined = redis.call('LINDEX', KEYS[3], 0)
if (quarantined or '') ~= ARGV[7] then return { -2 } end
if quarantined then
  local n, rewritten = bump(quarantined, true)
  if n > max then
    redis.call('LPUSH', KEYS[5], cjson.encode({ reason = 'redelivered', raw = quarantined, queue = ARGV[3],
      deadAt = now, deliveries = n - 1,
      error = 'its consumer died while running it, ' .. (n - 1) .. ' times; maxDeliveries is ' .. max }))
    redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[4]) - 1)
    redis.call('PEXPIRE', KEYS[5], ARGV[11])
    out[#out + 1] = quarantined
    if KEYS[7] then
      local state = string.match(redis.call('GET', KEYS[7]) or '', '^{"state":"(%u+)"')
      if state ~= 'SUCCESS' and state ~= 'FAILURE' and state ~= 'REVOKED' then
        redis.call('SET', KEYS[7], ARGV[8], 'PX', ARGV[9])
        redis.call('PUBLISH', ARGV[10], ARGV[12])
      end
    end
  else
    redis.call('RPUSH', KEYS[4], rewritten)
    out[1] = 1
  end
  redis.call('DEL', KEYS[3])
end
-- The processing list holds the newest claim on the left. Taking chunks from the left and
-- pushing each on the right end leaves the oldest claim at the consuming end.
local batch = redis.call('LRANGE', KEYS[2], 0, chunk - 1)
for _, raw in ipairs(batch) do
  local _, rewritten = bump(raw, false)
  redis.call('RPUSH', KEYS[4], rewritten)
end
out[1] = out[1] + #batch
redis.call('LTRIM', KEYS[2], #batch, -1)
out[2] = redis.call('LLEN', KEYS[2])
local keep = tonumber(redis.call('ZSCORE', KEYS[6], ARGV[1]) or '0')
if out[2] == 0 and keep < now then redis.call('ZREM', KEYS[6], ARGV[1]) end
return out
