--[[
token-state: a read-only check of one token, for the booking API's gate. One round trip, no writes.

KEYS[1] active        ZSET   userId -> expiry ms
KEYS[2] activeTokens  HASH   userId -> token id
KEYS[3] paid marker   STRING set when the token was expired by its owner's payment
ARGV[1] userId
ARGV[2] tokenId

Returns {'ACTIVE', expiresAtMs} | {'PAID'} | {'INACTIVE'}
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local user, id = ARGV[1], tonumber(ARGV[2])

if tonumber(redis.call('HGET', KEYS[2], user) or 0) == id then
  local expiresAt = tonumber(redis.call('ZSCORE', KEYS[1], user) or 0)
  if expiresAt > now then return {'ACTIVE', expiresAt} end
end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'PAID'} end
return {'INACTIVE'}
