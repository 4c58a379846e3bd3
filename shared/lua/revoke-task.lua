-- revoke-task.lua: mark a task revoked, so that no consumer starts it.
--
-- KEYS[1] revoked ids      keys.revoked(queue)                  sorted set, score: when to forget it
-- KEYS[2] result key       keys.result(queue, id)               string
-- KEYS[3] recent revokes   keys.revokedRecent(queue)            sorted set, score: when it was revoked
-- KEYS[4] events           keys.events(queue)                   stream
-- KEYS[5] counters         keys.counters(queue)                 hash
-- KEYS[6] this minute      keys.countersMinute(queue, minute)   hash
-- ARGV[1] the task id   ARGV[2] how long to remember it, ms   ARGV[3] the REVOKED result record JSON
-- ARGV[4] the result TTL, ms   ARGV[5] the results channel, keys.resultChannel(queue)
-- ARGV[6] how long a revoke counts as recent, ms   ARGV[7] the task name to count it under
--   ('unknown' when the caller does not know it)   ARGV[8] the minute hash's TTL, ms
--   ARGV[9] the task-revoked event JSON   ARGV[10] the events stream's cap (XADD MAXLEN ~)
--
-- Returns: 1 if the task had no final result (it is now REVOKED), 0 if it had already
--   finished (its result is kept; revoking it changes nothing).
-- Guarantees: both sets stay bounded: entries past their time are trimmed here and each
--   key expires with its newest entry. The recent set is what claim-batch.lua checks, so
--   the claim's fast path returns a few seconds after the last revoke; workers read it
--   incrementally into memory (scheduler.ts) and check the long set there. Times are
--   Redis's (TIME). Waiters in get() are woken. REVOKED is counted in the step that writes
--   it; its event is written when the queue's stream exists (a worker there writes events).
-- Why Lua: "write REVOKED unless the task already finished" reads, then writes.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local remember, recent = tonumber(ARGV[2]), tonumber(ARGV[6])
redis.call('ZADD', KEYS[1], now + remember, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], remember)
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - recent)
redis.call('PEXPIRE', KEYS[3], recent)
local current = redis.call('GET', KEYS[2])
if current then
  local ok, record = pcall(cjson.decode, current)
  local state = ok and type(record) == 'table' and record.state
  if state == 'SUCCESS' or state == 'FAILURE' or state == 'REVOKED' then return 0 end
end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('HINCRBY', KEYS[5], 'REVOKED:' .. ARGV[7], 1)
redis.call('HINCRBY', KEYS[6], 'REVOKED:' .. ARGV[7], 1)
redis.call('PEXPIRE', KEYS[6], ARGV[8])
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*', 'type', 'task-revoked', 'event', ARGV[9])
end
redis.call('SPUBLISH', ARGV[5], ARGV[1])
return 1
