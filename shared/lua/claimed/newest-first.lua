-- claimed/newest-first.lua: a consumer's claimed hash as a list, newest claim first.
--
-- No KEYS of its own: the caller passes the index in KEYS of a claimed hash, keys.claimed(queue, consumerId).
--
-- Returns { {number, raw}, ... } sorted by claim number, highest first. Pushed one by one on
-- the right end of a ready list, that order leaves the oldest claim at the consuming end,
-- as LRANGE 0 -1 of a processing list (newest on the left) does. A hash holds what one
-- consumer has in flight, a few hundred messages at most, so reading it whole is cheap.

local function claimed_newest_first(index)
  local flat = redis.call('HGETALL', KEYS[index])
  local entries = {}
  for i = 1, #flat, 2 do entries[#entries + 1] = { tonumber(flat[i]), flat[i + 1] } end
  table.sort(entries, function(a, b) return a[1] > b[1] end)
  return entries
end
