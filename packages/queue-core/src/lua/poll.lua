--[[
poll: a token's state, its exact position, and a liveness refresh, in one round trip.

KEYS: the room keys (common.lua)
ARGV[1] userId
ARGV[2] tokenId
ARGV[3] events MAXLEN (approximate)

Returns {'WAITING', position, estimate, admitPerSecond, idleTimeoutSeconds} | {'ACTIVE', expiresAtMs} | {'EXPIRED'}
]]
local now = nowMs()
local user, id = tonumber(ARGV[1]), tonumber(ARGV[2])

local cfg = readRoom('idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds')
if not cfg[3] then return {'EXPIRED'} end
local L = lineOf(cfg[1], cfg[2], now)

local place = waitingPlace(L, id, user)
if place then
  if not lastSeenEpoch(L, place) then
    -- It stopped polling for the idle timeout: it is EXPIRED, whether or not the promoter swept it.
    removeWaiting(place, user)
    emit('X', now, {user .. ':' .. fmt(id)}, ARGV[3])
    return {'EXPIRED'}
  end
  markSeen(L, place)
  return {'WAITING', positionOf(place), cfg[4] or '', cfg[5], cfg[3]}
end

-- The client sees its admission: it claims the full TTL from admission.
local expiresAt = activeExpiry(user, id, now, cfg[6], true)
if expiresAt then return {'ACTIVE', fmt(expiresAt)} end
return {'EXPIRED'}
