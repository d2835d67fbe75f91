--[[
join: put a user in a room's waiting line, or return the live token it already holds.

KEYS: the room keys (common.lua)
ARGV[1] userId
ARGV[2] events MAXLEN (approximate)

Returns one of
  {-1}                                                        no open room
  {-2}                                                        the room holds maxWaiting users
  {isNew, 'WAITING', tokenId, position, estimate, admitPerSecond, idleTimeoutSeconds}
  {0, 'ACTIVE', tokenId, expiresAtMs}
Ordering comes from INCR on the server, never from a client's clock, so two joins never tie.
]]
local now = nowMs()
local user = tonumber(ARGV[1])
local maxlen = ARGV[2]

local cfg = readRoom('maxWaiting', 'idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds', 'live')
if not cfg[3] then return {-1} end
local L = lineOf(cfg[1], cfg[2], now)

local place = placeOfUser(user)
if place then
  local id = L.base + place
  if lastSeenEpoch(L, place) then
    markSeen(L, place)
    return {0, 'WAITING', fmt(id), positionOf(place), cfg[5] or '', cfg[6], cfg[4]}
  end
  -- Idle past the timeout: this token is EXPIRED even if the promoter has not swept it yet.
  removeWaiting(place, user)
  emit('X', now, {user .. ':' .. fmt(id)}, maxlen)
end

local activeId = redis.call('HGET', K.activeTokens, user)
if activeId then
  -- A rejoining client sees its admission: it claims the full TTL, as a poll would.
  local expiresAt = activeExpiry(user, activeId, now, cfg[7], true)
  if expiresAt then return {0, 'ACTIVE', activeId, fmt(expiresAt)} end
  removeActive(user)
  emit('X', now, {user .. ':' .. activeId}, maxlen)
end

if tonumber(cfg[8] or 0) >= tonumber(cfg[3]) then return {-2} end

-- A fresh sequence starts at the current time in microseconds, so that token ids stay unique even
-- if Redis loses the counter; later ids count up from there.
if redis.call('EXISTS', K.seq) == 0 then redis.call('SET', K.seq, fmt(now * 1000)) end
local id = redis.call('INCR', K.seq)
local _, live = addWaiting(L, id, user)
emit('J', now, {user .. ':' .. fmt(id)}, maxlen)
return {1, 'WAITING', fmt(id), live, cfg[5] or '', cfg[6], cfg[4]}
