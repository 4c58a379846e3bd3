-- canvas/fields.lua: split a follow-up program into its fields, without cjson.
--
-- No KEYS of its own. A program is a run of fields, each `<byte length>:<bytes>`
-- (shared/follow-ups.ts writes them). Why not JSON: cjson would decode and re-encode the
-- payloads it carries, and on Redis 7.0 that turns [] into {}, prints 0.1 + 0.2 as 0.3 and
-- rounds 2^53 + 1. A length prefix lets Lua cut the text out as it is.

local function program_fields(program)
  local fields, position = {}, 1
  while position <= #program do
    local colon = string.find(program, ':', position, true)
    if not colon then return error('ERR malformed follow-up program at byte ' .. position) end
    local length = tonumber(string.sub(program, position, colon - 1))
    fields[#fields + 1] = string.sub(program, colon + 1, colon + length)
    position = colon + length + 1
  end
  return fields
end
