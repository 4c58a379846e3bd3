-- complete-batch/events.lua: the events of the states the batch writes, as one stream entry, in the same step.
--
-- KEYS[6] events           keys.events(queue)                   stream
-- ARGV[6] '1' when events are on   ARGV[8] the stream's cap, in events (XADD MAXLEN ~ cap / entry size)
-- ARGV[9] every event of the call as one JSON array ('' for none; shared/event-batch.ts): the
--   P riding ones first, then each message's whose value says '1', in message order
-- ARGV[10] the worker id, named once per entry   ARGV[11] P
-- ARGV[13] a previews record per event, in the same order: args window, U+001F, kwargs window, U+001E
--
-- Written here, a final-state event cannot drift from the state, as Flower's do when
-- events are dropped: the state and its event are one step. task-received and task-started
-- happen outside any script (a BLMOVE cannot run in one); at events level `all` the worker
-- keeps them, with their own timestamps, and they ride in this call. One entry per call,
-- `type batch`, `worker`, `events`, `previews`: when every message's state is written
-- (nearly always) both go in as they came, no string work here; only a batch with a message
-- no longer held, or a result refused, splits them to drop those events. The cap counts
-- entries: an entry of s events trims to cap / s entries (docs/EVENTS.md).

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

-- The records of `previews` whose events are kept, joined again.
local function kept_previews(previews)
  local left, at, i = {}, 1, 0
  while at <= #previews do
    local record_end = string.find(previews, '\30', at, true)
    if not record_end then break end
    i = i + 1
    if kept[i] then left[#left + 1] = string.sub(previews, at, record_end) end
    at = record_end + 1
  end
  return table.concat(left)
end

local function write_events()
  if ARGV[6] ~= '1' or ARGV[9] == '' then return end
  local events, previews, count = ARGV[9], ARGV[13], next_event
  if dropped then
    local all, left = cjson.decode(events), {}
    for i, event in ipairs(all) do
      if kept[i] then left[#left + 1] = event end
    end
    if #left == 0 then return end
    events, previews, count = cjson.encode(left), kept_previews(previews), #left
  end
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', math.ceil(tonumber(ARGV[8]) / count), '*',
    'type', 'batch', 'worker', ARGV[10], 'events', events, 'previews', previews)
end
