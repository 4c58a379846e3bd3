-- requeue-held.lua: put messages this consumer holds back at the consuming end of their ready list.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[3] ready list       keys.ready(queue)                    list
-- KEYS[4] claimed hash     keys.claimed(queue, consumerId)      hash
-- ARGV[1..] pairs, in the order the messages should run: a claim number ('' for a message
--   BLMOVE or quarantine.lua moved) and the raw message, exactly as claimed
--
-- Returns: how many were moved (a message no longer held is skipped, not duplicated).
-- Guarantees: each message moves only if this consumer still holds it, so a message the
--   reaper already took back is not pushed twice. Used on graceful shutdown (unfinished
--   work) and after a reconnect (messages Redis moved whose reply was lost).
-- Why Lua: LREM and RPUSH must be one step; apart, a crash between them loses the message
--   (RPUSH second) or duplicates it (RPUSH first).

local moved = 0
for i = #ARGV - 1, 1, -2 do
  local number, raw = ARGV[i], ARGV[i + 1]
  local removed
  if number ~= '' then
    removed = redis.call('HDEL', KEYS[4], number)
  else
    removed = redis.call('LREM', KEYS[1], 1, raw)
    if removed == 0 then removed = redis.call('LREM', KEYS[2], 1, raw) end
  end
  if removed == 1 then
    -- The first message to run goes on last, so it ends at the consuming (right) end.
    redis.call('RPUSH', KEYS[3], raw)
    moved = moved + 1
  end
end
return moved
