#!lua flags=allow-oom
-- unregister.lua: a stopping consumer gives back everything its lists still hold and leaves.
--
-- KEYS[1] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[4] ready list       keys.ready(queue)                    list
-- KEYS[5] consumer set     keys.consumers(queue)                sorted set, score: keep-until
-- KEYS[6] claimed hash     keys.claimed(queue, consumerId)      hash
-- ARGV[1] the consumer id   ARGV[2] this process's heartbeat token
--
-- Returns: how many messages went back to the ready list; -1 when another live process
--   holds the heartbeat under this id (nothing is touched).
-- Guarantees: after it, nothing of this consumer is left in Redis: messages the worker
--   did not know it held (a claim whose reply a reconnect swallowed) go back with the
--   rest, oldest claim at the consuming end, so a graceful stop strands nothing and no
--   reaper needs to visit. Deliveries are not counted: nothing here died.
-- Why Lua: the moves, the heartbeat's removal and leaving the set must be one step; apart,
--   a reaper in between could requeue the same messages a second time. allow-oom: giving
--   work back must not wait for memory.

local current = redis.call('GET', KEYS[1])
if current and not string.find(current, ARGV[2], 1, true) then return -1 end
local moved = 0
-- Newest claim first on the right end leaves the oldest claim at the consuming end:
-- the claimed hash, then the processing list (newest on the left); the quarantined
-- message goes last, so it runs first.
for _, entry in ipairs(claimed_newest_first(6)) do
  redis.call('RPUSH', KEYS[4], entry[2])
  moved = moved + 1
end
for _, index in ipairs({ 2, 3 }) do
  for _, raw in ipairs(redis.call('LRANGE', KEYS[index], 0, -1)) do
    redis.call('RPUSH', KEYS[4], raw)
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[6])
redis.call('ZREM', KEYS[5], ARGV[1])
return moved
