--[[
read-statuses: the statuses of many tokens of one room in one round trip, for the open push streams
of one gateway instance: one call per room per stream tick, never one per stream. Each WAITING token
read here is refreshed as live (an open stream counts as polling), and an ACTIVE one claims its full
TTL as a poll that sees ACTIVE does.

KEYS[1] room          HASH
KEYS[2] waiting       ZSET   userId -> token id
KEYS[3] seen          ZSET   userId -> last poll ms
KEYS[4] active        ZSET   userId -> expiry ms
KEYS[5] activeTokens  HASH   userId -> token id
KEYS[6] events        STREAM
KEYS[7] unclaimed     HASH   userId -> admission ms
ARGV[1] events MAXLEN (approximate)
ARGV[2..] userId, tokenId pairs

Returns {estimate, admitPerSecond, idleTimeoutSeconds, s1, v1, s2, v2, …}: per token, in order,
  'W', position | 'A', expiresAtMs | 'E', 0
A closed room returns {} (every token EXPIRED).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local cfg = redis.call('HMGET', KEYS[1], 'idleTimeoutSeconds', 'estimate', 'admitPerSecond', 'activeTtlSeconds')
if not cfg[1] then return {} end
local idleMs = tonumber(cfg[1]) * 1000
local ttlMs = tonumber(cfg[4]) * 1000

local out = {cfg[2] or '', cfg[3], cfg[1]}
local live = {}
for i = 2, #ARGV, 2 do
  local user, id = ARGV[i], tonumber(ARGV[i + 1])
  local status, value = 'E', 0
  local waitingId = redis.call('ZSCORE', KEYS[2], user)
  if waitingId and tonumber(waitingId) == id then
    local lastSeen = tonumber(redis.call('ZSCORE', KEYS[3], user) or 0)
    if now - lastSeen >= idleMs then
      redis.call('ZREM', KEYS[2], user)
      redis.call('ZREM', KEYS[3], user)
      redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[1], '*', 't', 'X', 'at', now, 'ids', user .. ':' .. waitingId)
    else
      live[#live + 1] = now
      live[#live + 1] = user
      status, value = 'W', redis.call('ZRANK', KEYS[2], user) + 1
    end
  elseif tonumber(redis.call('HGET', KEYS[5], user) or 0) == id then
    local expiresAt = tonumber(redis.call('ZSCORE', KEYS[4], user) or 0)
    local admittedAt = expiresAt > now and redis.call('HGET', KEYS[7], user)
    if admittedAt then
      expiresAt = tonumber(admittedAt) + ttlMs
      redis.call('HDEL', KEYS[7], user)
      redis.call('ZADD', KEYS[4], expiresAt, user)
    end
    if expiresAt > now then status, value = 'A', expiresAt end
  end
  out[#out + 1] = status
  out[#out + 1] = value
end
-- One liveness write for every live token read (the caller sends at most a few thousand per call).
if #live > 0 then redis.call('ZADD', KEYS[3], 'XX', unpack(live)) end
return out
