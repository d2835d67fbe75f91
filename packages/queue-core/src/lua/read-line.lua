--[[
read-line: one page of a room's WAITING tokens in line order, for a replica's snapshot.

KEYS: the room keys (common.lua)
ARGV[1] the token id after which the page starts (0: from the front)
ARGV[2] most tokens in the page

Returns {userId1, tokenId1, lastSeenMs1, userId2, …}, lastSeenMs the latest time each may have been
seen (0 when idle); {} when the room is closed or the page is past the end.
]]
local cfg = readRoom()
if not cfg[2] or not cfg[1] then return {} end
local L = lineOf(cfg[1], cfg[2], nowMs())
local from = math.max(0, tonumber(ARGV[1]) - L.base + 1)
local out = {}
for _ = 1, tonumber(ARGV[2]) do
  local place = redis.call('BITPOS', K.line, 1, from, -1, 'BIT')
  if place < 0 then break end
  from = place + 1
  out[#out + 1] = userAt(place)
  out[#out + 1] = fmt(L.base + place)
  out[#out + 1] = fmt(lastSeenMs(L, place) or 0)
end
return out
