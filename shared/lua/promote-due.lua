-- promote-due.lua: move scheduled messages whose time has come onto the ready list.
--
-- KEYS[1] scheduled set    keys.scheduled(queue)                sorted set, scored by due time
-- KEYS[2] ready list       keys.ready(queue)                    list
-- KEYS[3] revoked ids      keys.revoked(queue)                  sorted set
-- ARGV[1] the most to move in one call (bounded work per call)
--
-- Returns: how many were due (moved or dropped as revoked); the caller calls again at once
--   when that equals ARGV[1].
-- Guarantees: a message is in exactly one of the two structures; due messages join the
--   consuming (right) end, earliest due rightmost, so they run before the backlog: their
--   time has already come, and a retry should not wait twice. "Due" is on Redis's clock
--   (TIME), so a worker whose clock is off cannot promote early or hold messages back.
-- Why Lua: ZRANGEBYSCORE, ZREM and RPUSH must be one step, or two promoters racing would
--   push the same message twice.

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
if #due == 0 then return 0 end
redis.call('ZREM', KEYS[1], unpack(due))
local check = redis.call('EXISTS', KEYS[3]) == 1
for i = #due, 1, -1 do
  local message, revoked = due[i], false
  if check then
    local ok, decoded = pcall(cjson.decode, message)
    local id = ok and type(decoded) == 'table' and decoded.id
    -- A canvas message (v2) goes on: its worker fails its chain and chord (claim-batch.lua says why).
    revoked = type(id) == 'string' and decoded.v ~= 2 and redis.call('ZSCORE', KEYS[3], id) ~= false
  end
  if not revoked then redis.call('RPUSH', KEYS[2], message) end
end
return #due
