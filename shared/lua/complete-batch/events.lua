-- complete-batch/events.lua: the events of the states the batch writes, as one stream entry, in the same step.
--
-- KEYS[6] events           keys.events(queue)                   stream
-- ARGV[6] '1' when events are on   ARGV[8] the stream's cap, in events (XADD MAXLEN ~ cap / entry size)
-- ARGV[9] every event of the call as one JSON array ('' for none; shared/event-batch.ts): the
--   P riding ones first, then each message's whose value says '1', in message order
-- ARGV[10] the worker id, named once per entry   ARGV[11] P
--
-- Written here, a final-state event cannot drift from the state, as Flower's do when
-- events are dropped: the state and its event are one step. task-received and task-started
-- happen outside any script (a BLMOVE cannot run in one); at events level `all` the worker
-- keeps them, with their own timestamps, and they ride in this call. One entry per call,
-- `type batch`, `worker`, `events` (the array): the worker joins the texts, so when every
-- message's state is written (nearly always) the array goes in as it came, no string work
-- here; only a batch with a message no longer held, or a result refused, decodes it to drop
-- those events. The cap counts entries, so an entry of s events trims to cap / s entries:
-- about cap events while batches keep a size (docs/EVENTS.md).

local dropped, kept, next_event = false, {}, tonumber(ARGV[11])

-- Called for each message whose event is in ARGV[9]; `written`: its state was written.
local function event_of_state(written)
  next_event = next_event + 1
  kept[next_event] = written
  if not written then dropped = true end
end

-- The riding events are always written.
local function keep_riding_events()
  for i = 1, next_event do kept[i] = true end
end

local function write_events()
  if ARGV[6] ~= '1' or ARGV[9] == '' then return end
  local events, count = ARGV[9], next_event
  if dropped then
    local all, left = cjson.decode(events), {}
    for i, event in ipairs(all) do
      if kept[i] then left[#left + 1] = event end
    end
    if #left == 0 then return end
    events, count = cjson.encode(left), #left
  end
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', math.ceil(tonumber(ARGV[8]) / count), '*',
    'type', 'batch', 'worker', ARGV[10], 'events', events)
end
