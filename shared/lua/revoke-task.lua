-- revoke-task.lua: mark a task revoked, so that no consumer starts it.
--
-- KEYS[1] revoked ids      keys.revoked(queue)                  sorted set
-- KEYS[2] result key       keys.result(queue, id)               string
-- ARGV[1] the task id   ARGV[2] now, epoch ms   ARGV[3] how long to remember it, ms
-- ARGV[4] the REVOKED result record JSON   ARGV[5] the result TTL, ms
-- ARGV[6] the results channel, keys.resultChannel(queue)
--
-- Returns: 1 if the task had no final result (it is now REVOKED), 0 if it had already
--   finished (its result is kept; revoking it changes nothing).
-- Guarantees: the revoked set stays bounded: entries past their time are trimmed here and
--   the whole key expires with its newest entry. Waiters in get() are woken.
-- Why Lua: "write REVOKED unless the task already finished" reads, then writes.

local now, remember = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + remember, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], remember)
local current = redis.call('GET', KEYS[2])
if current then
  local ok, record = pcall(cjson.decode, current)
  local state = ok and type(record) == 'table' and record.state
  if state == 'SUCCESS' or state == 'FAILURE' or state == 'REVOKED' then return 0 end
end
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[1])
return 1
