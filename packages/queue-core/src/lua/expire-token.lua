--[[
expire-token: make one token EXPIRED at once and free its place: on leave, and after a payment.

KEYS: the room keys (common.lua), then
KEYS[12] paid marker   STRING
ARGV[1] userId
ARGV[2] tokenId
ARGV[3] events MAXLEN (approximate)
ARGV[4] seconds to keep the paid marker; 0 sets none

Returns 1 if a WAITING place was freed, 2 if an ACTIVE slot was freed, 0 if the token was not live.
Only this exact token is touched: a user's newer token survives a stale leave.
]]
local now = nowMs()
local user, id = tonumber(ARGV[1]), tonumber(ARGV[2])
local freed = 0

local cfg = readRoom()
if cfg[2] then
  local place = waitingPlace(lineOf(cfg[1], cfg[2], now), id, user)
  if place then
    removeWaiting(place, user)
    freed = 1
  elseif tonumber(redis.call('HGET', K.activeTokens, user) or 0) == id then
    removeActive(user)
    freed = 2
  end
end
if freed > 0 then emit('X', now, {user .. ':' .. ARGV[2]}, ARGV[3]) end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[12], '1', 'EX', ARGV[4]) end
return freed
