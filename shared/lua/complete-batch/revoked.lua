-- complete-batch/revoked.lua: a task revoked while it ran gets no retry.
--
-- KEYS[5] revoked ids      keys.revoked(queue)                  sorted set
--
-- Checked only for messages that would schedule a retry, so a batch of plain results pays
-- nothing. revoke() wrote REVOKED already; the record built here replaces a RETRY or
-- STARTED that a waiter could otherwise read forever (final-state.lua keeps a REVOKED).

local function is_revoked(id)
  return id ~= '' and redis.call('ZSCORE', KEYS[5], id) ~= false
end

local function revoked_record()
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  -- Built by hand: cjson orders fields as it likes, and readers expect "state" first.
  return '{"state":"REVOKED","reason":"revoked","doneAt":' .. now .. '}'
end
