#!lua flags=allow-oom
-- requeue-dead-consumer.lua: give a dead consumer's messages back to the queue, a chunk at a time.
--
-- KEYS[1] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[4] ready list       keys.ready(queue)                    list
-- KEYS[5] dead letters     keys.dead(queue)                     list
-- KEYS[6] consumer set     keys.consumers(queue)                sorted set, score: keep-until
-- KEYS[7] events           keys.events(queue)                   stream
-- KEYS[8] counters         keys.counters(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
-- KEYS[10] claimed hash    keys.claimed(queue, consumerId)      hash
-- KEYS[11..] result key    keys.result(queue, id) of the quarantined message: given only when it has an id
-- ARGV[1] the consumer id   ARGV[2] maxDeliveries   ARGV[3] the queue name, for dead letters
-- ARGV[4] the dead-letter cap (10000)   ARGV[5] the delivery from which a message runs alone
-- ARGV[6] the most messages to move in this call   ARGV[7] the quarantined message read, or ''
-- ARGV[8] the poison pill's FAILURE record   ARGV[9] result TTL, ms   ARGV[10] results channel
-- ARGV[11] dead-letter TTL, ms   ARGV[12] the quarantined message's id, SPUBLISHed with its FAILURE
-- ARGV[13] its task name, to count it under   ARGV[14] the minute hash's TTL, ms
-- ARGV[15] its task-dead-lettered event JSON   ARGV[16] the events stream's cap (XADD MAXLEN ~)
--
-- Returns: { requeued, left (for the next call), dead-lettered raw messages... }; { -1 } if
--   the consumer is alive; { -2 } if the quarantine list no longer holds ARGV[7] (read again).
-- Guarantees: nothing is taken from a consumer whose heartbeat exists. Its id leaves the
--   set only once its lists are empty and its keep-until has passed, so a BLMOVE that
--   lands after its heartbeat expired is still found. Messages go back to the consuming
--   end, oldest claim rightmost, with their delivery count raised (deliveries.lua). Only
--   the quarantined message, which ran alone, is dead-lettered (poison-pill.lua).
-- Why Lua: the heartbeat check and the moves must be one step, or a consumer that comes
--   back between them would lose the messages it still works on. allow-oom: recovery
--   moves messages, it does not add them, and must not wait for memory.

if redis.call('EXISTS', KEYS[1]) == 1 then return { -1 } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local max, chunk = tonumber(ARGV[2]), tonumber(ARGV[6])

local out = { 0, 0 }
local quarantined = redis.call('LINDEX', KEYS[3], 0)
if (quarantined or '') ~= ARGV[7] then return { -2 } end
if quarantined then
  local n, rewritten = bump(quarantined, true)
  if n > max then
    dead_letter_pill(quarantined, n - 1, max, now)
    out[#out + 1] = quarantined
  else
    redis.call('RPUSH', KEYS[4], rewritten)
    out[1] = 1
  end
  redis.call('DEL', KEYS[3])
end
-- Taking the newest claims first and pushing each on the right end leaves the oldest claim
-- at the consuming end: from the claimed hash, then from the left of the processing list,
-- which holds the newest on the left.
local claimed = claimed_newest_first(10)
local from_hash = math.min(#claimed, chunk)
for i = 1, from_hash do
  local _, rewritten = bump(claimed[i][2], false)
  redis.call('RPUSH', KEYS[4], rewritten)
  redis.call('HDEL', KEYS[10], claimed[i][1])
end
local batch = chunk > from_hash and redis.call('LRANGE', KEYS[2], 0, chunk - from_hash - 1) or {}
for _, raw in ipairs(batch) do
  local _, rewritten = bump(raw, false)
  redis.call('RPUSH', KEYS[4], rewritten)
end
out[1] = out[1] + from_hash + #batch
redis.call('LTRIM', KEYS[2], #batch, -1)
out[2] = redis.call('LLEN', KEYS[2]) + redis.call('HLEN', KEYS[10])
local keep = tonumber(redis.call('ZSCORE', KEYS[6], ARGV[1]) or '0')
if out[2] == 0 and keep < now then redis.call('ZREM', KEYS[6], ARGV[1]) end
return out
