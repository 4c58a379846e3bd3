-- requeue-dead-consumer/deliveries.lua: count one more delivery in a message's first field.
--
-- No KEYS. ARGV[5] the delivery from which a message runs alone.
--
-- Returns the new count and the rewritten message. The count rises only for a delivery in
-- which the message may have run: `ran` (it was quarantined, or ran in a batch), or a count
-- below ARGV[5]. A message at ARGV[5] or more still in the processing list was waiting for
-- the quarantine slot and had not started, so its count stays. A message that is not a
-- JSON object goes back as it is: the consumer dead-letters it as malformed.

local function bump(raw, ran)
  local n, rest = string.match(raw, '^{"deliveries":(%d+),(.*)$')
  if n and not ran and tonumber(n) >= tonumber(ARGV[5]) then return tonumber(n), raw end
  if n then n = tonumber(n) + 1 return n, '{"deliveries":' .. n .. ',' .. rest end
  local body = string.match(raw, '^%s*{(.*)$')
  if body then return 2, '{"deliveries":2,' .. body end
  return 2, raw
end
