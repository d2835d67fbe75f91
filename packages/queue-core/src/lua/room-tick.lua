--[[
room-tick: one gateway instance's periodic write and read for one room's line replica: the liveness
of every token it answered from memory since the last tick (one ZADD for all of them, on Redis's
clock), and what the replica needs besides the events: the estimate's inputs and the event stream's
bounds, to notice a trimmed gap or a Redis that lost its data.

KEYS[1] room    HASH
KEYS[2] seen    ZSET   userId -> last poll ms
KEYS[3] events  STREAM
ARGV[1..] userIds seen since the last tick (at most a thousand per call)

Returns {} when the room is closed, else {estimate, admitPerSecond, idleTimeoutSeconds, firstEventId, lastEventId}
(ids '' when the stream is empty). ZADD XX: a token that left the line (admitted, expired) is never
put back in the liveness index.
]]
local cfg = redis.call('HMGET', KEYS[1], 'estimate', 'admitPerSecond', 'idleTimeoutSeconds')
if not cfg[2] then return {} end
if #ARGV > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local scored = {}
  for i, user in ipairs(ARGV) do
    scored[2 * i - 1] = now
    scored[2 * i] = user
  end
  redis.call('ZADD', KEYS[2], 'XX', unpack(scored))
end
local first = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)[1]
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)[1]
return {cfg[1] or '', cfg[2], cfg[3], first and first[1] or '', last and last[1] or ''}
