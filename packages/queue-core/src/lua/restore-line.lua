--[[
restore-line: writes WAITING tokens back into a room's line after Redis lost it (restore.ts), each
live now, so that every restored token has its full idle timeout to poll again. The room hash is
written after the last chunk (with the base and the count returned here): until then the room is
closed, and nobody can join a half-restored line.

KEYS: the room keys (common.lua)
ARGV[1] the line's base (the lowest restored token id)
ARGV[2] epochMs
ARGV[3] 1 for the first chunk: the line starts empty
ARGV[4..] userId, tokenId pairs, in line order

Returns how many tokens were written.
]]
local L = lineOf(ARGV[1], ARGV[2], nowMs())
if ARGV[3] == '1' then dropLine(L.epochMs, L.epoch) end
local n = 0
for i = 4, #ARGV, 2 do
  local user, id = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  writePlace(L, id - L.base, user)
  n = n + 1
end
return n
