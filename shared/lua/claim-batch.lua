#!lua
-- claim-batch.lua: move up to N messages from a ready list into one consumer's processing list.
--
-- KEYS[1] ready list       keys.ready(queue)                    list
-- KEYS[2] processing list  keys.processing(queue, consumerId)   list
-- KEYS[3] recent revokes   keys.revokedRecent(queue)            sorted set
-- KEYS[4] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- ARGV[1] N: the most to move, the consumer's free handler slots (1 to 1000: Lua's unpack limit)
--
-- Returns: the moved messages, oldest first (the order they were sent in); an error reply
--   NOHEARTBEAT, moving nothing, when this consumer's heartbeat does not exist.
-- Guarantees: only a registered consumer claims: a heartbeat exists, so the consumer set
--   holds its id (beat.lua) and a reaper will visit its list if it dies. Each message is in
--   exactly one of the two lists at every instant. A message revoked in the last few
--   seconds is dropped here (its REVOKED result was written by revoke()); older revokes
--   are in every worker's memory by then and are checked there (execute.ts).
-- Why Lua: the heartbeat check and the move must be one step, and one round trip with
--   four commands for N moves, where LMOVE would cost N of each. The `#!lua` line makes
--   Redis refuse the whole step when it is out of memory, instead of half of it.

if redis.call('EXISTS', KEYS[4]) == 0 then
  return redis.error_reply('NOHEARTBEAT this consumer is not registered (its heartbeat is missing); it claims nothing until its next beat')
end
local moved = {}
local limit = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then
  -- The consuming (right) end holds the oldest, so LRANGE lists the batch newest first.
  -- Pushing it oldest first leaves the same processing list that LMOVE one at a time would.
  local batch = redis.call('LRANGE', KEYS[1], -limit, -1)
  local n = #batch
  if n == 0 then return moved end
  redis.call('LTRIM', KEYS[1], 0, -n - 1)
  for i = 1, n do moved[i] = batch[n + 1 - i] end
  redis.call('LPUSH', KEYS[2], unpack(moved))
  return moved
end

local dropped = 0
while #moved < limit and dropped < 1000 do
  local message = redis.call('RPOP', KEYS[1])
  if not message then break end
  local ok, decoded = pcall(cjson.decode, message)
  local id = ok and type(decoded) == 'table' and decoded.id
  -- A canvas message (v2) is not dropped: the worker records it REVOKED and fails its chain
  -- and its chord (consumer/canvas-step.ts), which would otherwise wait for it forever.
  if type(id) == 'string' and decoded.v ~= 2 and redis.call('ZSCORE', KEYS[3], id) then
    dropped = dropped + 1
  else
    redis.call('LPUSH', KEYS[2], message)
    moved[#moved + 1] = message
  end
end
return moved
