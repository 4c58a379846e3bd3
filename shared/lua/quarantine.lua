-- quarantine.lua: move one redelivered message out of the claimed hash (or the processing
-- list) to run alone.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[3] claimed hash     keys.claimed(queue, consumerId)      hash
-- ARGV[1] the raw message, exactly as claimed   ARGV[2] its claim number ('' when BLMOVE moved it)
--
-- Returns: 1 when moved, or already there (ioredis resends a call whose reply a reconnect
--   swallowed); 0 when the quarantine list holds another message (the caller waits and
--   tries again when that one is done); -1 when the message is no longer held.
-- Guarantees: a consumer's quarantine list never holds more than one message, so when the
--   consumer dies, the reaper knows which redelivered message was running at the time
--   (requeue-dead-consumer.lua) and does not blame its neighbours.
-- Why Lua: the check of the quarantine list and the move must not interleave with the
--   reaper or a second call.

local current = redis.call('LINDEX', KEYS[2], 0)
if current == ARGV[1] then return 1 end
if current then return 0 end
if ARGV[2] ~= '' then
  if redis.call('HDEL', KEYS[3], ARGV[2]) == 0 then return -1 end
elseif redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return -1
end
redis.call('LPUSH', KEYS[2], ARGV[1])
return 1
