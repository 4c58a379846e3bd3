-- canvas/chord-parts.lua: count header results into their chord, in the step that
-- acknowledges each header task.
--
-- No KEYS of its own: like chord.lua, it gets KEYS indexes (c the chord's hash, r the body
-- queue's ready list). Idempotent: a header task that runs twice reports twice, and HSETNX
-- r<index> counts it once. The parts of one chord in one step are counted together: each
-- part costs one HSETNX; chord_flush, once per step, does one HINCRBY and one PEXPIRE per
-- chord (the TTL is refreshed on progress) and fires the body if every part is in. `size`
-- travels with each part (its chord membership), so counting needs no read.

local chord_pending, chord_order = {}, {}

local function chord_part(c, r, index, value, failed, ttl, size)
  if redis.call('HSETNX', KEYS[c], 'r' .. index, value) == 0 then return end
  local p = chord_pending[c]
  if not p then
    p = { n = 0, r = r, ttl = ttl, size = tonumber(size), failed = false }
    chord_pending[c] = p
    chord_order[#chord_order + 1] = c
  end
  p.n = p.n + 1
  if failed == '1' then
    redis.call('HINCRBY', KEYS[c], 'failures', 1)
    redis.call('HSETNX', KEYS[c], 'failed', value)
    p.failed = true
  end
end

-- Called once at the end of a step that ran follow-ups (complete-batch.lua, relay-deliver.lua).
local function chord_flush()
  for _, c in ipairs(chord_order) do
    local p = chord_pending[c]
    local done = redis.call('HINCRBY', KEYS[c], 'done', p.n)
    redis.call('PEXPIRE', KEYS[c], p.ttl)
    if p.failed or done >= p.size then chord_check(c, p.r, p.size, done) end
  end
end
