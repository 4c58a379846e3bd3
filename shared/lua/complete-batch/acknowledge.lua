-- complete-batch/acknowledge.lua: remove one finished message from this consumer's lists.
--
-- KEYS[1] processing list  keys.processing(queue, consumerId)   list
-- KEYS[2] quarantine list  keys.quarantine(queue, consumerId)   list
-- KEYS[10] claimed hash    keys.claimed(queue, consumerId)      hash
--
-- Returns true when the message was still held. A message claim-batch.lua moved is named
-- by its claim number: one HDEL, and the message itself never travels back. One that
-- BLMOVE moved (the queue was empty) or that runs from the quarantine list (quarantine.lua)
-- is named by its text: LREM count -1 scans from the tail, where the oldest sit.

local function acknowledge(raw, number)
  -- pcall: a claimed hash of the wrong type (only a hand-made key could be: claim-batch.lua
  -- could not have claimed into it) counts as "not held", so the row writes nothing and
  -- the batch goes on, without a TYPE check per batch.
  if number ~= '' then return redis.pcall('HDEL', KEYS[10], number) == 1 end
  if redis.call('LREM', KEYS[1], -1, raw) == 1 then return true end
  return redis.call('LREM', KEYS[2], 1, raw) == 1
end
