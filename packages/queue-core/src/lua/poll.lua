--[[
poll: a token's state, its exact position, and a liveness refresh, in one round trip, O(log N).

KEYS[1] room          HASH
KEYS[2] waiting       ZSET   userId -> token id
KEYS[3] seen          ZSET   userId -> last poll ms
KEYS[4] active        ZSET   userId -> expiry ms
KEYS[5] activeTokens  HASH   userId -> token id
KEYS[6] events        STREAM
KEYS[7] unclaimed     HASH   userId -> admission ms
ARGV[1] userId
ARGV[2] tokenId
ARGV[3] events MAXLEN (approximate)

Returns {'WAITING', position, estimate, admitPerSecond, idleTimeoutSeconds} | {'ACTIVE', expiresAtMs} | {'EXPIRED'}
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local user, id = ARGV[1], tonumber(ARGV[2])

local cfg = redis.call('HMGET', KEYS[1], 'idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds')
if not cfg[1] then return {'EXPIRED'} end

local waitingId = redis.call('ZSCORE', KEYS[2], user)
if waitingId and tonumber(waitingId) == id then
  local lastSeen = tonumber(redis.call('ZSCORE', KEYS[3], user) or 0)
  if now - lastSeen >= tonumber(cfg[1]) * 1000 then
    -- It stopped polling for the idle timeout: it is EXPIRED, whether or not the promoter swept it.
    redis.call('ZREM', KEYS[2], user)
    redis.call('ZREM', KEYS[3], user)
    redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[3], '*', 't', 'X', 'at', now, 'ids', user .. ':' .. waitingId)
    return {'EXPIRED'}
  end
  redis.call('ZADD', KEYS[3], 'XX', now, user)
  return {'WAITING', redis.call('ZRANK', KEYS[2], user) + 1, cfg[2] or '', cfg[3], cfg[1]}
end

if tonumber(redis.call('HGET', KEYS[5], user) or 0) == id then
  local expiresAt = tonumber(redis.call('ZSCORE', KEYS[4], user) or 0)
  if expiresAt <= now then return {'EXPIRED'} end
  -- The client sees its admission: it claims the full TTL from admission.
  local admittedAt = redis.call('HGET', KEYS[7], user)
  if admittedAt then
    expiresAt = tonumber(admittedAt) + tonumber(cfg[4]) * 1000
    redis.call('HDEL', KEYS[7], user)
    redis.call('ZADD', KEYS[4], expiresAt, user)
    if expiresAt <= now then return {'EXPIRED'} end
  end
  return {'ACTIVE', expiresAt}
end
return {'EXPIRED'}
