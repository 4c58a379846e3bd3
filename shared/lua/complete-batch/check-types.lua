-- complete-batch/check-types.lua: refuse the whole batch before any write when a key it
-- may write holds the wrong type.
--
-- KEYS[3] dead letters     keys.dead(queue)                     list
-- KEYS[4] scheduled set    keys.scheduled(queue)                sorted set
-- KEYS[5] revoked ids      keys.revoked(queue)                  sorted set
-- KEYS[6] events           keys.events(queue)                   stream
-- KEYS[7] counters         keys.counters(queue)                 hash
-- KEYS[8] run times        keys.runtimes(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
--
-- Why: Redis does not roll a script back. A wrong-type dead list or scheduled set found
--   half-way would leave earlier messages acknowledged and later ones not, and a message
--   acknowledged without its retry or dead letter is lost. Seven TYPE calls per batch (the
--   claimed hash needs none: acknowledge.lua reads a wrong type as "not held").

local function check_types()
  local expected = { [3] = 'list', [4] = 'zset', [5] = 'zset', [6] = 'stream', [7] = 'hash', [8] = 'hash', [9] = 'hash' }
  for index, kind in pairs(expected) do
    local found = redis.call('TYPE', KEYS[index]).ok
    if found ~= 'none' and found ~= kind then
      return error({ err = 'WRONGTYPE ' .. KEYS[index] .. ' is a ' .. found .. ', not a ' .. kind .. '; nothing of this batch was written' })
    end
  end
end
