--[[
read-statuses: the statuses of many tokens of one room in one round trip, for the open push streams
of one gateway instance when its replica cannot answer: one call per room per stream tick, never one
per stream. Each WAITING token read here is refreshed as live (an open stream counts as polling), and
an ACTIVE one claims its full TTL as a poll that sees ACTIVE does.

KEYS: the room keys (common.lua)
ARGV[1] events MAXLEN (approximate)
ARGV[2..] userId, tokenId pairs

Returns {estimate, admitPerSecond, idleTimeoutSeconds, s1, v1, s2, v2, …}: per token, in order,
  'W', position | 'A', expiresAtMs | 'E', 0
A closed room returns {} (every token EXPIRED). Positions are counted in one pass over the line, in
place order: one BITCOUNT per token, each over the stretch since the previous one.
]]
local now = nowMs()
local cfg = readRoom('idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds')
if not cfg[3] then return {} end
local L = lineOf(cfg[1], cfg[2], now)

local out = {cfg[4] or '', cfg[5], cfg[3]}
local waiting = {}
local expired = {}
for i = 2, #ARGV, 2 do
  local user, id = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local slot = #out + 1
  out[slot], out[slot + 1] = 'E', 0
  local place = waitingPlace(L, id, user)
  if place then
    if lastSeenEpoch(L, place) then
      markSeen(L, place)
      waiting[#waiting + 1] = {place, slot}
    else
      removeWaiting(place, user)
      expired[#expired + 1] = fmt(user) .. ':' .. fmt(id)
    end
  else
    local expiresAt = activeExpiry(user, id, now, cfg[6], true)
    if expiresAt then out[slot], out[slot + 1] = 'A', fmt(expiresAt) end
  end
end
emit('X', now, expired, ARGV[1])
table.sort(waiting, function(a, b) return a[1] < b[1] end)
local counted, from = 0, 0
for _, w in ipairs(waiting) do
  counted = counted + redis.call('BITCOUNT', K.line, from, w[1], 'BIT')
  from = w[1] + 1
  out[w[2]], out[w[2] + 1] = 'W', counted
end
return out
