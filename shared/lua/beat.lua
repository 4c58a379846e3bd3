-- beat.lua: refresh one consumer's heartbeat on one queue and keep it in the consumer set.
--
-- KEYS[1] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- KEYS[2] consumer set     keys.consumers(queue)                sorted set, score: keep-until, epoch ms
-- ARGV[1] the consumer id
-- ARGV[2] this process's token (random per process), which the value contains
-- ARGV[3] the heartbeat value, JSON that contains the token
-- ARGV[4] the heartbeat TTL in ms
-- ARGV[5] 'first' for the beat that registers the consumer, 'renew' for the rest
-- ARGV[6] how long the reaper must keep the id after this beat, in ms (claim grace)
--
-- Returns: 1 beaten; 2 beaten, but the heartbeat had expired (a reaper may have taken this
--   consumer's work back); 0 refused: another live process uses this consumer id.
-- Guarantees: two processes never share a consumer id (each would requeue the other's
--   work as orphans); the keep-until score only grows, on Redis's clock.
-- Why Lua: reading the owner and writing the beat must not interleave with another
--   process's first beat.

local current = redis.call('GET', KEYS[1])
if current and not string.find(current, ARGV[2], 1, true) then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], 'GT', now + tonumber(ARGV[6]), ARGV[1])
if not current and ARGV[5] == 'renew' then return 2 end
return 1
