--[[
room-stats: what an operator watches (roomStats, common.lua).

KEYS: the room keys (common.lua)

Returns {} when the room is closed, else
  {waiting, active, admittedLastMinute, maxActive, admitPerSecond, activeTtlSeconds,
   idleTimeoutSeconds, maxWaiting, rate}
]]
return roomStats(nowMs())
