-- complete-batch/counters.lua: count each state the batch writes, in the same step.
--
-- KEYS[7] counters         keys.counters(queue)                 hash
-- KEYS[8] run times        keys.runtimes(queue)                 hash
-- KEYS[9] this minute      keys.countersMinute(queue, minute)   hash
-- ARGV[7] the minute hash's TTL, ms
--
-- Sums in Lua tables first, so a batch of a hundred runs of one task costs a handful of
-- HINCRBYs, not hundreds. Fields are <STATE>:<task>, sum:<task>, count:<task> and
-- le<bound>:<task>; the bounds are Prometheus's default buckets in ms, as in
-- shared/counters.ts (tests/events.test.ts checks that the two lists agree).

local bounds = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 }
local totals, runtimes = {}, {}

local function add(into, field, n)
  into[field] = (into[field] or 0) + n
end

local function count_state(state, task, runtime)
  add(totals, state .. ':' .. task, 1)
  local ms = tonumber(runtime)
  if not ms then return end
  ms = math.floor(ms)
  add(runtimes, 'sum:' .. task, ms)
  add(runtimes, 'count:' .. task, 1)
  local le = '+Inf'
  for _, bound in ipairs(bounds) do
    if ms <= bound then
      le = tostring(bound)
      break
    end
  end
  add(runtimes, 'le' .. le .. ':' .. task, 1)
end

local function write_counters()
  if next(totals) == nil then return end
  for field, n in pairs(totals) do
    redis.call('HINCRBY', KEYS[7], field, n)
    redis.call('HINCRBY', KEYS[9], field, n)
  end
  for field, n in pairs(runtimes) do
    redis.call('HINCRBY', KEYS[8], field, n)
    if string.sub(field, 1, 4) == 'sum:' then redis.call('HINCRBY', KEYS[9], 'runtime:' .. string.sub(field, 5), n) end
  end
  redis.call('PEXPIRE', KEYS[9], ARGV[7])
end
