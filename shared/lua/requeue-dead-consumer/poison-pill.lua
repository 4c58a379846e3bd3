-- requeue-dead-consumer/poison-pill.lua: dead-letter the message that kept killing its consumer.
--
-- KEYS[5] dead letters     keys.dead(queue)                     list
-- KEYS[7..] result key     keys.result(queue, id) of the quarantined message: given only when it has an id
-- ARGV[3] the queue name   ARGV[4] the dead-letter cap   ARGV[8] the FAILURE record
-- ARGV[9] result TTL, ms   ARGV[10] the results channel   ARGV[11] dead-letter TTL, ms
-- ARGV[12] the message's id
--
-- The FAILURE is written in the same step as the dead letter, and only when no final state
-- is there: a slow task that did finish keeps its SUCCESS (it only looked dead).

local function dead_letter_pill(raw, deliveries, max, now)
  redis.call('LPUSH', KEYS[5], cjson.encode({ reason = 'redelivered', raw = raw, queue = ARGV[3],
    deadAt = now, deliveries = deliveries,
    error = 'its consumer died while running it, ' .. deliveries .. ' times; maxDeliveries is ' .. max }))
  redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', KEYS[5], ARGV[11])
  if not KEYS[7] then return end
  local state = string.match(redis.call('GET', KEYS[7]) or '', '^{"state":"(%u+)"')
  if state ~= 'SUCCESS' and state ~= 'FAILURE' and state ~= 'REVOKED' then
    redis.call('SET', KEYS[7], ARGV[8], 'PX', ARGV[9])
    redis.call('SPUBLISH', ARGV[10], ARGV[12])
  end
end
