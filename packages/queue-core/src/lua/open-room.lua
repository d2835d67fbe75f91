--[[
open-room: open a room, or reconfigure an open one. Tokens already admitted keep their expiry.

KEYS: the room keys (common.lua)
ARGV[1..5]  maxActive, admitPerSecond, activeTtlSeconds, idleTimeoutSeconds, maxWaiting: the new
            values; an empty string keeps the current value
ARGV[6..10] the same five: defaults for a room that is not open yet

Returns {created (0/1), then the room as room-stats.lua reads it once this open is done}: in the same
atomic call, so that an operator's PUT answers the room it opened even when a DELETE follows at once.

A new idle timeout means new epochs: every WAITING token is then counted live in the new current
epoch, so that a change never expires anyone early.
]]
local fields = {'maxActive', 'admitPerSecond', 'activeTtlSeconds', 'idleTimeoutSeconds', 'maxWaiting'}
local now = nowMs()
local created = redis.call('EXISTS', K.room) == 0 and 1 or 0
local current = redis.call('HMGET', K.room, 'epochMs', unpack(fields))
local idleSeconds
local set = {}
for i, field in ipairs(fields) do
  local value = ARGV[i]
  if value == '' then value = current[i + 1] or ARGV[i + 5] end
  set[#set + 1] = field
  set[#set + 1] = value
  if field == 'idleTimeoutSeconds' then idleSeconds = value end
end
local epochMs = epochMsOf(idleSeconds)
set[#set + 1] = 'epochMs'
set[#set + 1] = fmt(epochMs)
if created == 1 then
  set[#set + 1] = 'openedAt'
  set[#set + 1] = fmt(now)
  -- A line left by an earlier room (a close that raced its last join) is not this room's.
  dropLine(nil, 0)
elseif tonumber(current[1]) ~= epochMs then
  local old = tonumber(current[1])
  local L = lineOf(nil, epochMs, now)
  local key = touchEpoch(L)
  redis.call('BITOP', 'OR', key, key, K.line)
  redis.call('PEXPIRE', key, fmt((EPOCHS + 2) * epochMs))
  if old then
    local oldEpoch = math.floor(now / old)
    for e = oldEpoch - EPOCHS - 1, oldEpoch + 1 do redis.call('UNLINK', seenKey(old, e)) end
  end
  set[#set + 1] = 'sweptEpoch'
  set[#set + 1] = ''
end
redis.call('HSET', K.room, unpack(set))
local stats = roomStats(now)
table.insert(stats, 1, created)
return stats
