-- renew-lease.lua: extend the beat leader's lease, if this beat still holds it.
--
-- KEYS[1] leader lease     keys.beatLeader()                    string with a TTL
-- ARGV[1] this beat's token   ARGV[2] the lease, in ms
--
-- Returns: 1 renewed; 0 the lease is gone or another beat holds it (we are no longer leader).
-- Guarantees: a beat never extends a lease it lost: after a pause past its lease, another
--   beat's token is there and the old leader steps down instead of stealing it back.
-- Why Lua: "compare the token, then PEXPIRE" must not interleave with the lease expiring
--   and another beat's SET NX in between.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
