--[[
room-stats: what an operator watches.

KEYS[1] room, KEYS[2] waiting, KEYS[3] active, KEYS[4] admissions

Returns {} when the room is closed, else
  {waiting, active, admittedLastMinute, maxActive, admitPerSecond, activeTtlSeconds,
   idleTimeoutSeconds, maxWaiting, rate}
]]
local cfg = redis.call('HMGET', KEYS[1], 'maxActive', 'admitPerSecond', 'activeTtlSeconds',
  'idleTimeoutSeconds', 'maxWaiting', 'rate')
if not cfg[1] then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local admitted = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. string.format('%d', now - 60000), '+inf')) do
  admitted = admitted + tonumber(string.match(member, ':(%d+)$'))
end
return {
  redis.call('ZCARD', KEYS[2]),
  redis.call('ZCOUNT', KEYS[3], '(' .. string.format('%d', now), '+inf'),
  admitted, cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6] or '',
}
