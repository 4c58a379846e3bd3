-- add-schedule.lua: add a periodic schedule, or change the one of that name.
--
-- KEYS[1] schedules        keys.beatSchedules()                 hash: name -> definition JSON
-- KEYS[2] schedule state   keys.beatState()                     hash: name -> state JSON
-- KEYS[3] version counter  keys.beatVersion()                   string (integer)
-- ARGV[1] the schedule name   ARGV[2] its definition JSON
--
-- Returns: { version, 'added' | 'changed' | 'unchanged' }.
-- Guarantees: a new name (or one removed and added again) gets a version never used
--   before, so its task ids, and their results, are new; its first slot comes after now
--   (Redis's clock). A change keeps the version and what was already sent, so a slot sent
--   before the change is not sent again. Every beat may run this at start for the app's
--   own schedules: the same definition changes nothing.
-- Why Lua: "read the state, then create or keep it" must not interleave with a second
--   beat starting, or with removeSchedule.

local state = redis.call('HGET', KEYS[2], ARGV[1])
local current = redis.call('HGET', KEYS[1], ARGV[1])
if state and current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return { cjson.decode(state).version, current == ARGV[2] and 'unchanged' or 'changed' }
end
local version = redis.call('INCR', KEYS[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({ version = version, createdAtMs = now, handledThroughMs = now }))
return { version, 'added' }
