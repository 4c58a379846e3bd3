-- requeue-dead-consumer/poison-pill.lua: dead-letter the message that kept killing its consumer.
--
-- KEYS[5] dead letters     keys.dead(queue)                     list
-- KEYS[7] events           keys.events(queue)                   stream
-- KEYS[8] counters         keys.counters(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
-- KEYS[11..] result key    keys.result(queue, id) of the quarantined message: given only when it has an id
-- ARGV[3] the queue name   ARGV[4] the dead-letter cap   ARGV[8] the FAILURE record
-- ARGV[9] result TTL, ms   ARGV[10] the results channel   ARGV[11] dead-letter TTL, ms
-- ARGV[12] the message's id   ARGV[13] its task name   ARGV[14] the minute hash's TTL, ms
-- ARGV[15] its task-dead-lettered event JSON   ARGV[16] the events stream's cap
--
-- The FAILURE is written in the same step as the dead letter, and only when no final state
-- is there: a slow task that did finish keeps its SUCCESS (it only looked dead). It is
-- counted as DEAD (and its event written where the queue has a stream) in the same step,
-- unless that final state was kept; pcall, so a counter of the wrong type cannot stop recovery.

local function dead_letter_pill(raw, deliveries, max, now)
  redis.call('LPUSH', KEYS[5], cjson.encode({ reason = 'redelivered', raw = raw, queue = ARGV[3],
    deadAt = now, deliveries = deliveries,
    error = 'its consumer died while running it, ' .. deliveries .. ' times; maxDeliveries is ' .. max }))
  redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', KEYS[5], ARGV[11])
  if KEYS[11] then
    local state = string.match(redis.call('GET', KEYS[11]) or '', '^{"state":"(%u+)"')
    if state == 'SUCCESS' or state == 'FAILURE' or state == 'REVOKED' then return end
    redis.call('SET', KEYS[11], ARGV[8], 'PX', ARGV[9])
    redis.call('SPUBLISH', ARGV[10], ARGV[12])
  end
  redis.pcall('HINCRBY', KEYS[8], 'DEAD:' .. ARGV[13], 1)
  redis.pcall('HINCRBY', KEYS[9], 'DEAD:' .. ARGV[13], 1)
  redis.pcall('PEXPIRE', KEYS[9], ARGV[14])
  if redis.call('EXISTS', KEYS[7]) == 1 then
    redis.pcall('XADD', KEYS[7], 'MAXLEN', '~', ARGV[16], '*', 'type', 'task-dead-lettered', 'event', ARGV[15])
  end
end
