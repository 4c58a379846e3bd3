-- complete-batch.lua: acknowledge a batch of finished messages and write what they left behind.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[3] dead letters     keys.dead(queue)                     list
-- KEYS[4] scheduled set    keys.scheduled(queue)                sorted set
-- KEYS[5..] result keys    keys.result(queue, id)               string, one per message with a result
-- ARGV[1] result TTL in ms
-- ARGV[2] the results channel, keys.resultChannel(queue): PUBLISHed the ids, comma-joined
-- ARGV[3] those ids, comma-joined ('' when no message of the batch has a final result)
-- ARGV[4] the dead-letter list's length cap (10000)
-- ARGV[5..] per message, six values: the raw message as claimed; the index into KEYS of
--   its result key (0 for none); its result JSON; its dead-letter entry JSON ('' for none);
--   a due time in epoch ms ('' for none) and the message to schedule then (a retry)
--
-- Returns: the number of messages that were still held (fewer means a reaper took some
--   back while this consumer was silent; see docs/RELIABILITY.md).
-- Guarantees: a message leaves the processing list in the same step as its result, its
--   dead-letter entry and its retry are written: no reader sees the ack without them, and
--   a retry is never both scheduled and still held, nor neither.
-- Why Lua: the writes and the ack must be one step, and a batch retried after a reconnect
--   must be harmless: SET, LREM and ZADD of the same member are idempotent; only a dead-
--   letter entry can repeat, and only if the first reply was lost.

local ttl = ARGV[1]
local held = 0
local wrote_dead = false
for i = 5, #ARGV, 6 do
  local raw, key_index, result, dead = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3]
  if key_index > 0 then redis.call('SET', KEYS[key_index], result, 'PX', ttl) end
  if dead ~= '' then
    redis.call('LPUSH', KEYS[3], dead)
    wrote_dead = true
  end
  if ARGV[i + 4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[i + 4], ARGV[i + 5]) end
  -- Count -1 scans from the tail, where the oldest claims sit, so a message finished in
  -- claim order is found at once instead of after every newer one (LREM was 9 µs/call).
  local removed = redis.call('LREM', KEYS[1], -1, raw)
  -- A redelivered message runs from the quarantine list instead (quarantine.lua).
  if removed == 0 then removed = redis.call('LREM', KEYS[2], 1, raw) end
  held = held + removed
end
if wrote_dead then redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1) end
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return held
