-- requeue-held.lua: put messages this consumer holds back at the consuming end of their ready list.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[3] ready list       keys.ready(queue)                    list
-- ARGV[1..] the raw messages, exactly as claimed, in the order they should run
--
-- Returns: how many were moved (a message no longer held is skipped, not duplicated).
-- Guarantees: each message moves only if this consumer still holds it, so a message the
--   reaper already took back is not pushed twice. Used on graceful shutdown (unfinished
--   work) and after a reconnect (messages Redis moved whose reply was lost).
-- Why Lua: LREM and RPUSH must be one step; apart, a crash between them loses the message
--   (RPUSH second) or duplicates it (RPUSH first).

local moved = 0
for i = #ARGV, 1, -1 do
  local raw = ARGV[i]
  local removed = redis.call('LREM', KEYS[1], 1, raw)
  if removed == 0 then removed = redis.call('LREM', KEYS[2], 1, raw) end
  if removed == 1 then
    -- The first message to run goes on last, so it ends at the consuming (right) end.
    redis.call('RPUSH', KEYS[3], raw)
    moved = moved + 1
  end
end
return moved
