--[[
token-state: a read-only check of one token, for the booking API's gate. One round trip, no writes.

KEYS: the room keys (common.lua), then
KEYS[12] paid marker   STRING set when the token was expired by its owner's payment
ARGV[1] userId
ARGV[2] tokenId

Returns {'ACTIVE', expiresAtMs} | {'PAID'} | {'INACTIVE'}
]]
local expiresAt = activeExpiry(ARGV[1], ARGV[2], nowMs(), 0, false)
if expiresAt then return {'ACTIVE', fmt(expiresAt)} end
if redis.call('EXISTS', KEYS[12]) == 1 then return {'PAID'} end
return {'INACTIVE'}
