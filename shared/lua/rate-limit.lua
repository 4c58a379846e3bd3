-- rate-limit.lua: reserve the next start slot of a task's global rate limit.
--
-- KEYS[1] the task's slot key  keys.rateLimit(task)  string: the next free slot, epoch ms
-- ARGV[1] the spacing between starts in ms (the period divided by the limit)
-- ARGV[2] the longest wait worth reserving, in ms
--
-- Returns: { wait in ms, 1 } when a slot was reserved (start after waiting that long), or
--   { wait in ms, 0 } when the next slot is further than ARGV[2]: nothing is reserved, and
--   the caller schedules the message to ask again then.
-- Guarantees: reserved slots are ARGV[1] apart across every consumer, so any window of one
--   period holds at most limit + 1 starts. Time is the Redis server's (TIME), so consumers'
--   clocks cannot disagree.
-- Why Lua: reading the slot and moving it forward must not interleave between consumers.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local spacing = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local wait = slot - now
if wait > tonumber(ARGV[2]) then return { wait, 0 } end
redis.call('SET', KEYS[1], slot + spacing, 'PX', wait + spacing * 2 + 1000)
return { wait, 1 }
