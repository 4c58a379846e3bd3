-- complete-batch/counters.lua: count each state the batch writes, in the same step.
--
-- KEYS[7] counters         keys.counters(queue)                 hash
-- KEYS[8] run times        keys.runtimes(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
-- ARGV[7] the minute hash's TTL, ms   ARGV[14] the counts as the worker summed them, as if
--   every state were written: packed triples (shared/counter-sums.ts), KEYS index, field, amount
--
-- Summing here cost about 0.5 µs of script time per message; this step only takes back out
-- what it did not write. Fields and bucket bounds (ms): shared/counters.ts, docs/EVENTS.md.
local bounds = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 }
-- sums[key][field]: the amount to add; taken[key][field]: some of it was taken back out.
local sums, taken = { [7] = {}, [8] = {}, [9] = {} }, { [7] = {}, [8] = {}, [9] = {} }

local function add(key, field, n)
  sums[key][field] = (sums[key][field] or 0) + n
end

local function load_sums()
  local packed, at = ARGV[14], 1
  while at <= #packed do
    local key, field, n, next_at = struct.unpack('>I4c0I4c0I4c0', packed, at)
    add(tonumber(key), field, tonumber(n))
    at = next_at
  end
end

-- A state the worker summed that this step did not write.
local function uncount_state(state, task, runtime)
  local function take(key, field, n)
    add(key, field, -n)
    taken[key][field] = true
  end
  take(7, state .. ':' .. task, 1)
  take(9, state .. ':' .. task, 1)
  local ms, le = tonumber(runtime), '+Inf'
  if not ms then return end
  for _, bound in ipairs(bounds) do
    if ms <= bound then le = tostring(bound) break end
  end
  take(8, 'sum:' .. task, ms)
  take(8, 'count:' .. task, 1)
  take(8, 'le' .. le .. ':' .. task, 1)
  take(9, 'runtime:' .. task, ms)
end

-- A field comes to 0 when all of it was taken back (skipped), or as the run time of no-op tasks (written).
local function write_counters()
  local wrote = false
  for key, fields in pairs(sums) do
    for field, n in pairs(fields) do
      if n ~= 0 or not taken[key][field] then
        redis.call('HINCRBY', KEYS[key], field, n)
        wrote = true
      end
    end
  end
  if wrote then redis.call('PEXPIRE', KEYS[9], ARGV[7]) end
end
