--[[
open-room: open a room, or reconfigure an open one. Tokens already admitted keep their expiry.

KEYS[1] room  HASH
KEYS[2] seq   STRING
ARGV[1..5]  maxActive, admitPerSecond, activeTtlSeconds, idleTimeoutSeconds, maxWaiting: the new
            values; an empty string keeps the current value
ARGV[6..10] the same five: defaults for a room that is not open yet

Returns {created (0/1), maxActive, admitPerSecond, activeTtlSeconds, idleTimeoutSeconds, maxWaiting}.
]]
local fields = {'maxActive', 'admitPerSecond', 'activeTtlSeconds', 'idleTimeoutSeconds', 'maxWaiting'}
local created = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
local current = redis.call('HMGET', KEYS[1], unpack(fields))
local out = {created}
local set = {}
for i, field in ipairs(fields) do
  local value = ARGV[i]
  if value == '' then value = current[i] or ARGV[i + 5] end
  set[#set + 1] = field
  set[#set + 1] = value
  out[#out + 1] = tonumber(value)
end
redis.call('HSET', KEYS[1], unpack(set))
if created == 1 then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'openedAt', t[1] * 1000 + math.floor(tonumber(t[2]) / 1000))
end
return out
