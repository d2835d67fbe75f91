--[[
read-line: a stretch of a room's line as raw bytes, for a replica's snapshot: the line's bits, the
places' user ids and the liveness bits of the idle window, over `span` places from the place after
`afterTokenId` (rounded down to a whole byte). The gateway decodes them (queue.ts): Redis does no
per-token work, so a page of 65,536 places costs it a few GETRANGEs.

KEYS: the room keys (common.lua)
ARGV[1] the token id after which the stretch starts (0: from the front)
ARGV[2] span in places, a multiple of 8

Returns {} when the room is closed or has no line yet, else
  {base, firstPlace, nowMs, epochMs, epoch, more, line bytes, users bytes, seen bytes of epoch,
   of epoch − 1, …, of epoch − EPOCHS}
where `more` is 1 when the line goes on past the stretch.
]]
local cfg = readRoom()
if not cfg[2] or not cfg[1] then return {} end
local now = nowMs()
local L = lineOf(cfg[1], cfg[2], now)
local span = tonumber(ARGV[2])
local first = math.max(0, tonumber(ARGV[1]) - L.base + 1)
local firstByte = math.floor(first / 8)
local lastByte = firstByte + span / 8 - 1
local out = {
  fmt(L.base), fmt(firstByte * 8), fmt(now), fmt(L.epochMs), fmt(L.epoch),
  redis.call('STRLEN', K.line) > lastByte + 1 and 1 or 0,
  redis.call('GETRANGE', K.line, firstByte, lastByte),
  redis.call('GETRANGE', K.users, firstByte * 32, (lastByte + 1) * 32 - 1),
}
for e = L.epoch, L.epoch - EPOCHS, -1 do
  out[#out + 1] = redis.call('GETRANGE', seenKey(L.epochMs, e), firstByte, lastByte)
end
return out
