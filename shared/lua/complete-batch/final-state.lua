-- complete-batch/final-state.lua: write a result record unless a final one is already there.
--
-- No KEYS of its own: it writes the result key the loop points it to (one of KEYS[6..]).
--
-- Returns true when the record was written. SUCCESS, FAILURE and REVOKED are final: a
-- late writer (a duplicate run, a slow consumer that was reaped, a run that finished after
-- revoke()) must not replace one. SET ... GET costs one call in the common case, where
-- nothing final is there; only in the rare case is the old record put back.

local finals = { SUCCESS = true, FAILURE = true, REVOKED = true }

local function state_of(record)
  local state = string.match(record or '', '^{"state":"(%u+)"')
  if state or not record then return state end
  -- A record written by another client may order its fields differently.
  local ok, decoded = pcall(cjson.decode, record)
  return ok and type(decoded) == 'table' and decoded.state or nil
end

local function write_unless_final(index, record, ttl)
  local old = redis.pcall('SET', KEYS[index], record, 'PX', ttl, 'GET')
  if type(old) == 'table' and old.err then
    -- Not a string (a stray key of another type): overwrite it, as plain SET would.
    redis.call('SET', KEYS[index], record, 'PX', ttl)
    return true
  end
  if old and finals[state_of(old)] then
    redis.call('SET', KEYS[index], old, 'PX', ttl)
    return false
  end
  return true
end
