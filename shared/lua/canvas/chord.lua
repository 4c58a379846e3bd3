-- canvas/chord.lua: a chord's init and the check that fires its body, exactly once.
--
-- No KEYS of its own: the caller passes the KEYS indexes of the chord's hash (c),
-- keys.chord(queue, id), and of the body queue's ready list (r), keys.ready(queue), both in
-- the chord queue's slot.
-- Fields: size, body, immutable, allowFailures, done, failures, failed (the first failure's
--   JSON), r<index> (each header result as JSON text), fired, parents (a signed body's header
--   list, whose SHA-256 the body signs).
-- Idempotent: HSETNX fired lets one caller send the body. A part may arrive before the
--   init (another queue's relay was quicker), so both sides check for completion. The parts
--   themselves: chord-parts.lua.

local function chord_body(c, size, body, immutable)
  if immutable == '1' then return body end
  local results = {}
  for first = 0, size - 1, 500 do
    local names = {}
    for index = first, math.min(first + 499, size - 1) do names[#names + 1] = 'r' .. index end
    local values = redis.call('HMGET', KEYS[c], unpack(names))
    for _, value in ipairs(values) do results[#results + 1] = value end
  end
  -- Spliced as text: the header results reach the body exactly as they were written.
  return string.sub(body, 1, -2) .. ',"parentResults":[[' .. table.concat(results, ',') .. ']]}'
end

-- Fires the body (or, after a failure, its FAILURE) once every part is in; `size` and
-- `done` are what the caller already read, so a part that completes nothing costs no read.
local function chord_check(c, r, size, done)
  local f = redis.call('HMGET', KEYS[c], 'failed', 'allowFailures', 'body', 'immutable')
  -- No body yet: the init has not arrived, and chord_init checks again when it does.
  if not f[3] then return end
  local failing = f[1] and f[2] ~= '1'
  if not failing and done < size then return end
  if redis.call('HSETNX', KEYS[c], 'fired', '1') == 0 then return end
  if failing then
    -- The body does not run: a worker records its FAILURE (ChordError) and runs its linkError.
    redis.call('LPUSH', KEYS[r], '{"failure":' .. f[1] .. ',' .. string.sub(f[3], 2))
  else
    redis.call('LPUSH', KEYS[r], chord_body(c, size, f[3], f[4]))
  end
end

local function chord_init(c, r, size, body, immutable, allow, ttl, parents)
  if redis.call('HSETNX', KEYS[c], 'size', size) == 0 then return end
  redis.call('HSET', KEYS[c], 'body', body, 'immutable', immutable, 'allowFailures', allow)
  if parents then redis.call('HSET', KEYS[c], 'parents', parents) end
  redis.call('PEXPIRE', KEYS[c], ttl)
  chord_check(c, r, tonumber(size), tonumber(redis.call('HGET', KEYS[c], 'done') or '0'))
end
