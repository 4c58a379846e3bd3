-- enqueue-slot.lua: send one periodic task's slot, unless some beat already sent it.
--
-- KEYS[1] slot marker      keys.beatSlot(queue, id)             string with a TTL
-- KEYS[2] ready list       keys.ready(queue)                    list
-- ARGV[1] the message JSON, whose id names the schedule, its version and the slot time
-- ARGV[2] how long the marker lives, in ms (10 periods of the schedule, at least 1 h)
--
-- Returns: 1 sent; 0 already sent (the marker exists), nothing written.
-- Guarantees: a slot is pushed at most once while its marker lives, whoever runs this and
--   however often: two beats that both believe they lead, a stale leader waking from a
--   pause, or ioredis resending the call after a reconnect swallowed its reply. Both keys
--   carry the target queue's hash tag, so this is one cluster slot.
-- Why Lua: "mark, then push" must not be split: a crash between the two would mark a slot
--   that was never sent (lost), and "push, then mark" would let a second beat push it again.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if not redis.call('SET', KEYS[1], now, 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
return 1
