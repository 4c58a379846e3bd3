#!lua
-- complete-batch.lua: acknowledge a batch of finished messages and write what they left behind.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[3] dead letters     keys.dead(queue)                     list
-- KEYS[4] scheduled set    keys.scheduled(queue)                sorted set
-- KEYS[5] revoked ids      keys.revoked(queue)                  sorted set
-- KEYS[6] events           keys.events(queue)                   stream
-- KEYS[7] counters         keys.counters(queue)                 hash
-- KEYS[8] run times        keys.runtimes(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
-- KEYS[10] claimed hash    keys.claimed(queue, consumerId)      hash
-- KEYS[11..] result keys   keys.result(queue, id)               string, one per message with a result,
--   then the canvas keys the follow-ups name (keys.ready, keys.scheduled, keys.chord, keys.outbox)
-- ARGV[1] result TTL, ms   ARGV[2] the results channel, keys.resultChannel(queue)
-- ARGV[3] the dead-letter list's length cap (10000)   ARGV[4] the dead-letter list's TTL, ms
-- ARGV[5] '1' in simple mode: nothing is held in Redis, so every message counts as held
-- ARGV[6..11] events and counters (complete-batch/events.lua, counters.lua)
-- ARGV[12] the messages, packed: per message fourteen values, each a 4-byte big-endian byte
--   length and the bytes (shared/packed-rows.ts; read with struct.unpack, one call per message:
--   one argument instead of fourteen per message saved ioredis about 1.2 µs of CPU per
--   message in building and writing the call, and Redis a little in parsing it). The values:
--   the raw message as claimed ('' when it has a claim
--   number: it is acknowledged by that, and need not travel back); the index into KEYS of
--   its result key (0 for none); its result JSON; its dead-letter entry JSON ('' for none);
--   a due time in epoch ms ('' for none) and the message to schedule then (a retry); its
--   id ('' for none); '1' to announce its id on the channel (a final state); its canvas
--   follow-up program ('' for none; canvas/follow-ups.lua), whose key numbers point into
--   KEYS[11..]: keys.ready, keys.scheduled, keys.chord of this queue, or keys.outbox; the
--   state to count (SUCCESS, FAILURE, RETRY, REVOKED, DEAD; '' for none), the task name to
--   count it under, the handler's run time in ms ('' if it did not run), '1' when its event
--   is in the call's events array (ARGV[9]; written only if its state is), and its claim
--   number in the claimed hash ('' for a message BLMOVE or quarantine.lua moved)
-- ARGV[13] the events' previews records (complete-batch/events.lua)
-- ARGV[14] the call's counts as the worker summed them (complete-batch/counters.lua)
--
-- Returns: how many messages were still held. A message no longer held (a reaper took it
--   back, or this is ioredis resending a call whose reply was lost) writes nothing at all.
-- Guarantees: a message leaves the processing list in the same step as its result, its
--   dead-letter entry and its retry are written, and only if it was still held, so a retry
--   is scheduled once, never forked. A final result (SUCCESS, FAILURE, REVOKED) is never
--   replaced. A revoked task's retry is dropped and its record says REVOKED. Nothing is
--   written unless every key has the right type (the batch fails whole instead). A state
--   is counted, and its event written, only when this step writes it: a result refused
--   because a final one was there counts nothing, and a revoked task's dropped retry was
--   counted by revoke-task.lua.
-- Why Lua: the writes and the ack must be one step, and a resent batch must be harmless.
--   The pieces live in complete-batch/*.lua, each with its header; script-loader.ts joins them
--   above this loop, and tests/scripts.test.ts checks that their KEYS agree with these.

check_types()
local ttl, simple = ARGV[1], ARGV[5] == '1'
local held, announced, wrote_dead = 0, {}, false
local rows, at, row_format = ARGV[12], 1, '>' .. string.rep('I4c0', 14)
keep_riding_events()
load_sums()
while at <= #rows do
  local raw, key_index, result, dead, due, retry, id, announce, follow_ups, state, task, runtime, with_event, number, next_at =
    struct.unpack(row_format, rows, at)
  at, key_index, announce = next_at, tonumber(key_index), announce == '1'
  -- The state the worker counted in ARGV[14]; `state` may change below (a revoked retry's).
  local counted, summed = false, state
  if simple or acknowledge(raw, number) then
    held = held + 1
    if due ~= '' then
      if is_revoked(id) then
        result, announce, state = revoked_record(), true, ''
      else
        redis.call('ZADD', KEYS[4], due, retry)
      end
    end
    local written = key_index > 0 and write_unless_final(key_index, result, ttl)
    if written and announce then announced[#announced + 1] = id end
    -- The next chain step, callbacks, chord bookkeeping or outbox entries: only when held.
    if follow_ups ~= '' then run_follow_ups(follow_ups, 0) end
    if dead ~= '' then
      redis.call('LPUSH', KEYS[3], dead)
      wrote_dead = true
    end
    counted = state ~= '' and (key_index == 0 or written)
  end
  if summed ~= '' and not counted then uncount_state(summed, task, runtime) end
  if with_event == '1' then event_of_state(counted) end
end
write_counters()
write_events()
chord_flush()
if wrote_dead then
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
if #announced > 0 then redis.call('SPUBLISH', ARGV[2], table.concat(announced, ',')) end
return held
