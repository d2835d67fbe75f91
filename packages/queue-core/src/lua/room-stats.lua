--[[
room-stats: what an operator watches.

KEYS: the room keys (common.lua)

Returns {} when the room is closed, else
  {waiting, active, admittedLastMinute, maxActive, admitPerSecond, activeTtlSeconds,
   idleTimeoutSeconds, maxWaiting, rate}
]]
local cfg = redis.call('HMGET', K.room, 'maxActive', 'admitPerSecond', 'activeTtlSeconds',
  'idleTimeoutSeconds', 'maxWaiting', 'rate', 'live')
if not cfg[1] then return {} end
local now = nowMs()
local admitted = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', K.admissions, '(' .. fmt(now - 60000), '+inf')) do
  admitted = admitted + tonumber(string.match(member, ':(%d+)$'))
end
return {
  tonumber(cfg[7] or 0),
  redis.call('ZCOUNT', K.active, '(' .. fmt(now), '+inf'),
  admitted, cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6] or '',
}
