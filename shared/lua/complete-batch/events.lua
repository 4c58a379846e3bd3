-- complete-batch/events.lua: the events of the states the batch writes, as one stream entry, in the same step.
--
-- KEYS[6] events           keys.events(queue)                   stream
-- ARGV[6] '1' when events are on   ARGV[8] the stream's cap, in events (XADD MAXLEN ~ cap / entry size)
-- ARGV[9] how many earlier events ride along (P)   ARGV[10] the worker id, named once per entry
-- ARGV[11..10+P] their texts (shared/event-batch.ts: a JSON object with its own "type")
--
-- Written here, a final-state event cannot drift from the state, as Flower's do when
-- events are dropped: the state and its event are one step. task-received and task-started
-- happen outside any script (a BLMOVE cannot run in one); at events level `all` the worker
-- keeps them, with their own timestamps, and they ride in this call. One XADD per call, not
-- one per event: an entry `type batch`, `worker <id>`, then an `event` field per event. It
-- costs Redis a fifth of an XADD per event, and no table.concat (which copied every text
-- again, 0.75 µs each). The cap counts entries, so an entry of s events trims to cap / s
-- entries: about cap events while batches keep a size (docs/EVENTS.md). Entries of at most
-- 1,000 events keep the XADD's arguments far below Lua's stack limit (8,000).

local batch = {}

local function event_of_state(body)
  if ARGV[6] == '1' and body ~= '' then batch[#batch + 1] = body end
end

-- Returns the index of the first per-message value.
local function write_riding_events()
  local riding = tonumber(ARGV[9])
  for i = 11, 10 + riding do batch[#batch + 1] = ARGV[i] end
  return 11 + riding
end

local function write_events()
  for first = 1, #batch, 1000 do
    local last = math.min(#batch, first + 999)
    local call = { 'XADD', KEYS[6], 'MAXLEN', '~', math.ceil(tonumber(ARGV[8]) / (last - first + 1)), '*',
      'type', 'batch', 'worker', ARGV[10] }
    for i = first, last do
      call[#call + 1] = 'event'
      call[#call + 1] = batch[i]
    end
    redis.call(unpack(call))
  end
end
