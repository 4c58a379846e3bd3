-- claim-batch.lua: move up to N messages from a ready list into one consumer's processing list.
--
-- KEYS[1] ready list       keys.ready(queue)                    list
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- ARGV[1] N: the most to move, the consumer's free handler slots (integer >= 1)
--
-- Returns: the moved messages, oldest first (the order they were sent in).
-- Guarantees: each message is in exactly one of the two lists at every instant; a message
--   is never only in the consumer's memory.
-- Why Lua: one round trip for N moves instead of N. A MULTI of N LMOVEs would do the same,
--   but could not stop at the first empty pop, so a short list would cost N useless calls.

local moved = {}
local limit = tonumber(ARGV[1])
for i = 1, limit do
  local message = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not message then break end
  moved[i] = message
end
return moved
