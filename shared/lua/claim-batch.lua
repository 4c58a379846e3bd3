-- claim-batch.lua: move up to N messages from a ready list into one consumer's processing list.
--
-- KEYS[1] ready list       keys.ready(queue)                    list
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] revoked ids      keys.revoked(queue)                  sorted set
-- ARGV[1] N: the most to move, the consumer's free handler slots (integer >= 1)
--
-- Returns: the moved messages, oldest first (the order they were sent in).
-- Guarantees: each message is in exactly one of the two lists at every instant, so it is
--   never only in the consumer's memory. A revoked message is dropped here instead of
--   moved (its REVOKED result was written by revoke()).
-- Why Lua: one round trip for N moves instead of N, stopping at the first empty pop. The
--   revoked check costs one EXISTS per batch while nothing is revoked, and one ZSCORE per
--   message only while something is.

local moved = {}
local limit = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then
  for i = 1, limit do
    local message = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
    if not message then break end
    moved[i] = message
  end
  return moved
end

local dropped = 0
while #moved < limit and dropped < 1000 do
  local message = redis.call('RPOP', KEYS[1])
  if not message then break end
  local ok, decoded = pcall(cjson.decode, message)
  local id = ok and type(decoded) == 'table' and decoded.id
  if type(id) == 'string' and redis.call('ZSCORE', KEYS[3], id) then
    dropped = dropped + 1
  else
    redis.call('LPUSH', KEYS[2], message)
    moved[#moved + 1] = message
  end
end
return moved
