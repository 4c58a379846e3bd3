-- canvas/chord.lua: a chord's bookkeeping, in the step that acknowledges each header task.
--
-- No KEYS of its own: the caller passes the KEYS indexes of the chord's hash (c),
-- keys.chord(queue, id), and of the body queue's ready list (r), keys.ready(queue), both in
-- the chord queue's slot.
-- Hash fields: size, body (the body message), immutable, allowFailures, done, failures,
--   failed (the first failure's JSON), r<index> (each header result as JSON text), fired.
-- Idempotent: a header task that runs twice reports twice; HSETNX r<index> counts it once,
--   and HSETNX fired lets one caller send the body. A part may arrive before the chord's
--   init (another queue's relay was quicker), so both sides check for completion.

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

local function chord_check(c, r)
  local f = redis.call('HMGET', KEYS[c], 'size', 'done', 'failed', 'allowFailures', 'body', 'immutable')
  if not f[1] then return end
  local size, done = tonumber(f[1]), tonumber(f[2] or '0')
  local failing = f[3] and f[4] ~= '1'
  if not failing and done < size then return end
  if redis.call('HSETNX', KEYS[c], 'fired', '1') == 0 then return end
  if failing then
    -- The body does not run: a worker records its FAILURE (ChordError) and runs its linkError.
    redis.call('LPUSH', KEYS[r], '{"failure":' .. f[3] .. ',' .. string.sub(f[5], 2))
  else
    redis.call('LPUSH', KEYS[r], chord_body(c, size, f[5], f[6]))
  end
  redis.call('HSET', KEYS[c], 'firedAt', redis.call('TIME')[1])
end

local function chord_part(c, r, index, value, failed, ttl)
  if redis.call('HEXISTS', KEYS[c], 'fired') == 1 then return end
  if redis.call('HSETNX', KEYS[c], 'r' .. index, value) == 1 then
    redis.call('HINCRBY', KEYS[c], 'done', 1)
    if failed == '1' then
      redis.call('HINCRBY', KEYS[c], 'failures', 1)
      redis.call('HSETNX', KEYS[c], 'failed', value)
    end
  end
  redis.call('PEXPIRE', KEYS[c], ttl)
  chord_check(c, r)
end

local function chord_init(c, r, size, body, immutable, allow, ttl)
  if redis.call('HSETNX', KEYS[c], 'size', size) == 0 then return end
  redis.call('HSET', KEYS[c], 'body', body, 'immutable', immutable, 'allowFailures', allow)
  redis.call('PEXPIRE', KEYS[c], ttl)
  chord_check(c, r)
end
