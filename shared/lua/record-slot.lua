-- record-slot.lua: note that a schedule's slots up to a time are sent or skipped.
--
-- KEYS[1] schedule state   keys.beatState()                     hash: name -> state JSON
-- ARGV[1] the schedule name   ARGV[2] its version
-- ARGV[3] every slot up to this time is handled, epoch ms
-- ARGV[4] the id of the slot sent at ARGV[5] (epoch ms); both '' when the slots were skipped
--
-- Returns: 1 recorded; 0 nothing changed: the schedule was removed or re-added (another
--   version), or a beat already recorded as far (handledThroughMs only grows).
-- Guarantees: state never moves back, so a stale leader cannot make the next tick retry
--   old slots beyond what enqueue-slot.lua's markers refuse anyway.
-- Why Lua: "compare version and time, then write" must not interleave with another beat's
--   record or a removal: a plain HSET could write back an older time or revive a removed entry.

local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local state = cjson.decode(raw)
local through = tonumber(ARGV[3])
if tostring(state.version) ~= ARGV[2] or (state.handledThroughMs or 0) >= through then return 0 end
state.handledThroughMs = through
if ARGV[4] ~= '' then
  local time = redis.call('TIME')
  state.lastId = ARGV[4]
  state.lastSlotMs = tonumber(ARGV[5])
  state.lastSentAtMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(state))
return 1
