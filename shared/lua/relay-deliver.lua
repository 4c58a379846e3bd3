#!lua
-- relay-deliver.lua: deliver outbox entries into their target queue, each at most once.
--
-- KEYS[1..] four keys per entry, all in the target queue's slot:
--   marker   keys.relayed(queue, entryId)   string, SET NX PX: the entry was delivered
--   ready    keys.ready(queue)              list
--   scheduled keys.scheduled(queue)         sorted set
--   chord    keys.chord(queue, chordId)     hash (the ready list again when the entry has no chord)
-- ARGV[1] the marker's TTL, ms   ARGV[2..] per entry: its follow-up program, whose key
--   numbers count from the entry's marker (1 ready, 2 scheduled, 3 chord)
--
-- Returns: how many entries were delivered now (the others had been already).
-- Guarantees: an entry's effects happen once however often it is delivered: the marker is
--   set in the same step as the effects, so a relay that crashed before removing the entry
--   from its outbox, or two relays racing on one outbox, deliver it once.
-- Why Lua: the marker and the effects must be one step, in one slot.

local ttl, delivered = ARGV[1], 0
for entry = 2, #ARGV do
  local base = (entry - 2) * 4 + 1
  if redis.call('SET', KEYS[base], '1', 'NX', 'PX', ttl) then
    run_follow_ups(ARGV[entry], base)
    delivered = delivered + 1
  end
end
chord_flush()
return delivered
