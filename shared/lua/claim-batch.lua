#!lua
-- claim-batch.lua: move up to N messages from a ready list into one consumer's claimed hash.
--
-- KEYS[1] ready list       keys.ready(queue)                    list
-- KEYS[2] claimed hash     keys.claimed(queue, consumerId)      hash, claim number -> message
-- KEYS[3] recent revokes   keys.revokedRecent(queue)            sorted set
-- KEYS[4] heartbeat        keys.heartbeat(queue, consumerId)    string with a TTL
-- ARGV[1] N: the most to move, the consumer's free handler slots (1 to 1000: Lua's unpack limit)
-- ARGV[2] the first claim number: the consumer numbers its claims itself and never reuses a
--   number, so the k-th message moved is stored under ARGV[2] + k - 1
--
-- Returns: the moved messages, oldest first (the order they were sent in); an error reply
--   NOHEARTBEAT, moving nothing, when this consumer's heartbeat does not exist; an error
--   reply RESENT, moving nothing, when ARGV[2] is taken already.
-- Guarantees: only a registered consumer claims: a heartbeat exists, so the consumer set
--   holds its id (beat.lua) and a reaper will visit its hash if it dies. Each message is in
--   exactly one of the ready list and the hash at every instant. A claim number is never
--   overwritten: ioredis resends a call whose reply a reconnect swallowed, and that copy
--   must not replace the messages the first one moved (they stay, and the consumer's
--   reconcile gives back the ones it never saw). A message revoked in the last few seconds
--   is dropped here (its REVOKED result was written by revoke()); older revokes are in
--   every worker's memory by then and are checked there (execute.ts).
-- Why a hash: the ack names a message by its claim number (HDEL, a few bytes) instead of
--   sending the whole message back for LREM, which was about a third of the ack's bytes.
-- Why Lua: the heartbeat check and the move must be one step, and one round trip with
--   four commands for N moves, where LMOVE would cost N of each. The `#!lua` line makes
--   Redis refuse the whole step when it is out of memory, instead of half of it.

if redis.call('EXISTS', KEYS[4]) == 0 then
  return redis.error_reply('NOHEARTBEAT this consumer is not registered (its heartbeat is missing); it claims nothing until its next beat')
end
local first = tonumber(ARGV[2])
local resent = 'RESENT claim number ' .. ARGV[2] .. ' is taken: this call ran already'
local moved = {}
local limit = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then
  -- The consuming (right) end holds the oldest, so LRANGE lists the batch newest first.
  local batch = redis.call('LRANGE', KEYS[1], -limit, -1)
  local n = #batch
  if n == 0 then return moved end
  -- The first message goes in with HSETNX: a resent call finds its number taken and moves
  -- nothing (the check costs no call of its own).
  if redis.call('HSETNX', KEYS[2], first, batch[n]) == 0 then return redis.error_reply(resent) end
  redis.call('LTRIM', KEYS[1], 0, -n - 1)
  moved[1] = batch[n]
  if n == 1 then return moved end
  local fields = {}
  for i = 2, n do
    moved[i] = batch[n + 1 - i]
    fields[2 * i - 3], fields[2 * i - 2] = first + i - 1, moved[i]
  end
  redis.call('HSET', KEYS[2], unpack(fields))
  return moved
end
if redis.call('HEXISTS', KEYS[2], first) == 1 then return redis.error_reply(resent) end

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
    moved[#moved + 1] = message
    redis.call('HSET', KEYS[2], first + #moved - 1, message)
  end
end
return moved
