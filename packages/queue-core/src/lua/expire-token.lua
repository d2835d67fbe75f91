--[[
expire-token: make one token EXPIRED at once and free its place: on leave, and after a payment.

KEYS[1] waiting       ZSET   userId -> token id
KEYS[2] seen          ZSET   userId -> last poll ms
KEYS[3] active        ZSET   userId -> expiry ms
KEYS[4] activeTokens  HASH   userId -> token id
KEYS[5] events        STREAM
KEYS[6] paid marker   STRING
KEYS[7] unclaimed     HASH   userId -> admission ms
ARGV[1] userId
ARGV[2] tokenId
ARGV[3] events MAXLEN (approximate)
ARGV[4] seconds to keep the paid marker; 0 sets none

Returns 1 if a WAITING place was freed, 2 if an ACTIVE slot was freed, 0 if the token was not live.
Only this exact token is touched: a user's newer token survives a stale leave.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local user, id = ARGV[1], tonumber(ARGV[2])
local freed = 0

if tonumber(redis.call('ZSCORE', KEYS[1], user) or 0) == id then
  redis.call('ZREM', KEYS[1], user)
  redis.call('ZREM', KEYS[2], user)
  freed = 1
elseif tonumber(redis.call('HGET', KEYS[4], user) or 0) == id then
  redis.call('ZREM', KEYS[3], user)
  redis.call('HDEL', KEYS[4], user)
  redis.call('HDEL', KEYS[7], user)
  freed = 2
end
if freed > 0 then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[3], '*', 't', 'X', 'at', now, 'ids', user .. ':' .. ARGV[2])
end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[6], '1', 'EX', ARGV[4]) end
return freed
