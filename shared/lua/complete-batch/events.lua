-- complete-batch/events.lua: the event of each state the batch writes, in the same step.
--
-- KEYS[6] events           keys.events(queue)                   stream
-- ARGV[6] '1' when events are on   ARGV[8] the stream's cap (XADD MAXLEN ~)
-- ARGV[9] how many earlier events ride along (P); ARGV[10..9+2P] their type and event JSON
--
-- Written here, a final-state event cannot drift from the state, as Flower's do when
-- events are dropped: the state and its event are one step. task-received and task-started
-- happen outside any script (a BLMOVE cannot run in one); at events level `all` the worker
-- keeps them, with their own timestamps, and they ride in this call. MAXLEN ~ trims whole
-- stream nodes only, so the cap costs next to nothing per entry.

local event_types = {
  SUCCESS = 'task-succeeded', FAILURE = 'task-failed', RETRY = 'task-retried',
  REVOKED = 'task-revoked', DEAD = 'task-dead-lettered',
}

local function add_event(kind, body)
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], '*', 'type', kind, 'event', body)
end

local function event_of_state(state, body)
  if ARGV[6] == '1' and body ~= '' then add_event(event_types[state], body) end
end

-- Returns the index of the first per-message value.
local function write_riding_events()
  local riding = tonumber(ARGV[9])
  for i = 10, 9 + 2 * riding, 2 do add_event(ARGV[i], ARGV[i + 1]) end
  return 10 + 2 * riding
end
