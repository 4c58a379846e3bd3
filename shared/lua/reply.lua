-- reply.lua: a worker answers a control command, but only while its caller still waits.
--
-- KEYS[1] reply-wait marker   keys.controlReplyWait(requestId)   string with a TTL (the caller's timeout)
-- KEYS[2] reply list          keys.controlReply(requestId)       list
-- ARGV[1] the reply (JSON)
--
-- Returns: 1 written; 0 nobody waits any more (the marker expired or the caller deleted it):
--   nothing is written.
-- Guarantees: the reply list never exists without a TTL, and never outlives the marker's
--   remaining lifetime, so a reply that arrives after the caller gave up leaves no key behind
--   (Celery's late pidbox replies recreate a reply key with no TTL: celery#6089).
-- Why Lua: "is the caller still waiting? then RPUSH and PEXPIRE" must not interleave with the
--   caller's DEL of both keys, or a late reply would recreate the list after the DEL.

local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
