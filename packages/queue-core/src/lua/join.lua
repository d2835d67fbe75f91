--[[
join: put a user in a room's waiting line, or return the live token it already holds.

KEYS[1] room          HASH   config and promoter state; absent when the room is closed
KEYS[2] seq           STRING the room's join sequence (token ids)
KEYS[3] waiting       ZSET   userId -> token id
KEYS[4] seen          ZSET   userId -> last poll ms
KEYS[5] active        ZSET   userId -> expiry ms
KEYS[6] activeTokens  HASH   userId -> token id
KEYS[7] events        STREAM lifecycle events
KEYS[8] unclaimed     HASH   userId -> admission ms
ARGV[1] userId
ARGV[2] events MAXLEN (approximate)

Returns one of
  {-1}                                                        no open room
  {-2}                                                        the room holds maxWaiting users
  {isNew, 'WAITING', tokenId, position, estimate, admitPerSecond, idleTimeoutSeconds}
  {0, 'ACTIVE', tokenId, expiresAtMs}
Ordering comes from INCR on the server, never from a client's clock, so two joins never tie.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local user = ARGV[1]

local cfg = redis.call('HMGET', KEYS[1], 'maxWaiting', 'idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds')
if not cfg[1] then return {-1} end
local idleMs = tonumber(cfg[2]) * 1000

local function emit(kind, id)
  -- string.format, not `..`: Lua prints numbers past 14 digits in exponent form.
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[2], '*', 't', kind, 'at', now, 'ids', user .. ':' .. string.format('%d', id))
end

local waitingId = redis.call('ZSCORE', KEYS[3], user)
if waitingId then
  local lastSeen = tonumber(redis.call('ZSCORE', KEYS[4], user) or 0)
  if now - lastSeen < idleMs then
    redis.call('ZADD', KEYS[4], now, user)
    local rank = redis.call('ZRANK', KEYS[3], user)
    return {0, 'WAITING', waitingId, rank + 1, cfg[3] or '', cfg[4], cfg[2]}
  end
  -- Idle past the timeout: this token is EXPIRED even if the promoter has not swept it yet.
  redis.call('ZREM', KEYS[3], user)
  redis.call('ZREM', KEYS[4], user)
  emit('X', waitingId)
end

local activeId = redis.call('HGET', KEYS[6], user)
if activeId then
  local expiresAt = tonumber(redis.call('ZSCORE', KEYS[5], user) or 0)
  local admittedAt = expiresAt > now and redis.call('HGET', KEYS[8], user)
  if admittedAt then
    -- A rejoining client sees its admission: it claims the full TTL, as a poll would.
    expiresAt = tonumber(admittedAt) + tonumber(cfg[5]) * 1000
    redis.call('HDEL', KEYS[8], user)
    redis.call('ZADD', KEYS[5], expiresAt, user)
  end
  if expiresAt > now then return {0, 'ACTIVE', activeId, expiresAt} end
  redis.call('ZREM', KEYS[5], user)
  redis.call('HDEL', KEYS[6], user)
  redis.call('HDEL', KEYS[8], user)
  emit('X', activeId)
end

if redis.call('ZCARD', KEYS[3]) >= tonumber(cfg[1]) then return {-2} end

-- A fresh sequence starts at the current time in microseconds, so that token ids stay unique even
-- if Redis loses the counter; later ids count up from there.
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], now * 1000) end
local id = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], id, user)
redis.call('ZADD', KEYS[4], now, user)
emit('J', id)
return {1, 'WAITING', id, redis.call('ZCARD', KEYS[3]), cfg[3] or '', cfg[4], cfg[2]}
