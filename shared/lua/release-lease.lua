-- release-lease.lua: a stopping beat gives up the lead, so another takes it at its next tick.
--
-- KEYS[1] leader lease     keys.beatLeader()                    string with a TTL
-- ARGV[1] this beat's token
--
-- Returns: 1 released; 0 not ours (expired, or another beat leads): nothing is touched.
-- Guarantees: a beat only ever deletes its own lease, never the one a successor holds.
-- Why Lua: "compare the token, then DEL" must not interleave with another beat taking the
--   expired lease in between.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
