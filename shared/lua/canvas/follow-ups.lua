-- canvas/follow-ups.lua: run a follow-up program (the next chain step, callbacks, a chord's
-- init or one of its parts, an outbox entry for another queue) in the caller's slot.
--
-- No KEYS of its own: each op names its keys as KEYS[base + n], where the caller decides
-- base (0 in complete-batch.lua, whose program holds absolute indexes; one per entry in
-- relay-deliver.lua). Ops and their fields (shared/follow-ups.ts writes them):
--   push n raw                        LPUSH KEYS[n] raw (a ready list, or an outbox)
--   zadd n score raw                  ZADD KEYS[n] score raw (a scheduled set)
--   init c r size body immutable allow ttl    chord_init (chord.lua)
--   part c r index value failed ttl size   chord_part (chord-parts.lua; chord_flush ends the step)
-- Payloads are never decoded: they are spliced or stored as the text they are.

local function run_follow_ups(program, base)
  local f, i = program_fields(program), 1
  local at = function(offset) return base + tonumber(f[i + offset]) end
  while i <= #f do
    local op, k = f[i], at(1)
    if op == 'push' then
      redis.call('LPUSH', KEYS[k], f[i + 2])
      i = i + 3
    elseif op == 'zadd' then
      redis.call('ZADD', KEYS[k], f[i + 2], f[i + 3])
      i = i + 4
    elseif op == 'init' then
      chord_init(k, at(2), f[i + 3], f[i + 4], f[i + 5], f[i + 6], f[i + 7])
      i = i + 8
    elseif op == 'part' then
      chord_part(k, at(2), f[i + 3], f[i + 4], f[i + 5], f[i + 6], f[i + 7])
      i = i + 8
    else
      return error('ERR unknown follow-up op ' .. tostring(op))
    end
  end
end
