-- canvas/follow-ups.lua: run a follow-up program (the next chain step, callbacks, a chord's
-- init or one of its parts, an outbox entry for another queue) in the caller's slot.
--
-- No KEYS of its own: each op names its keys as KEYS[base + n], where the caller decides
-- base (0 in complete-batch.lua, whose program holds absolute indexes; one per entry in
-- relay-deliver.lua). A program is ops back to back (shared/follow-ups.ts writes them), each
-- its small fields separated by spaces, then one payload as `<byte length>:<bytes>`:
--   push n <raw>                                   LPUSH KEYS[n] raw (a ready list, or an outbox)
--   zadd n score <raw>                             ZADD KEYS[n] score raw (a scheduled set)
--   init c r size immutable allow ttl <body[\nparents]>  chord_init (chord.lua); a signed body's
--                                                  header list follows a newline (JSON has none)
--   part c r index size failed ttl <value>         chord_part (chord-parts.lua; chord_flush ends the step)
-- Why not JSON: cjson would decode and re-encode the payloads, and on Redis 7.0 that turns []
-- into {}, prints 0.1 + 0.2 as 0.3 and rounds 2^53 + 1. One string.match per op reads the
-- small fields (a field-by-field parse cost 6 µs a chord part); payloads are cut out as text.

local shapes = {
  push = '^(%d+) (%d+):()', zadd = '^(%d+) (%d+) (%d+):()',
  init = '^(%d+) (%d+) (%d+) (%d) (%d) (%d+) (%d+):()', part = '^(%d+) (%d+) (%d+) (%d+) (%d) (%d+) (%d+):()',
}

local function run_follow_ups(program, base)
  local position = 1
  while position <= #program do
    local op, at = string.match(program, '^(%a+) ()', position)
    if not shapes[op or ''] then return error('ERR malformed follow-up program at byte ' .. position) end
    local f = { string.match(program, shapes[op], at) }
    local from, length = f[#f], tonumber(f[#f - 1])
    local payload = string.sub(program, from, from + length - 1)
    position = from + length
    local k = base + f[1]
    if op == 'push' then
      redis.call('LPUSH', KEYS[k], payload)
    elseif op == 'zadd' then
      redis.call('ZADD', KEYS[k], f[2], payload)
    elseif op == 'init' then
      local newline = string.find(payload, '\n', 1, true)
      local body = newline and string.sub(payload, 1, newline - 1) or payload
      local parents = newline and string.sub(payload, newline + 1) or nil
      chord_init(k, base + f[2], f[3], body, f[4] == '1' and '1' or '', f[5] == '1' and '1' or '', f[6], parents)
    else
      chord_part(k, base + f[2], f[3], payload, f[5], f[6], f[4])
    end
  end
end
