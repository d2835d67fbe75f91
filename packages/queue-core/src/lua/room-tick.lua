--[[
room-tick: one gateway instance's periodic write and read for one room's line replica: the liveness
of every token it answered from memory since the last tick (one bit each in the current epoch), and
what the replica needs besides the events: the estimate's inputs and the event stream's bounds, to
notice a trimmed gap or a Redis that lost its data.

KEYS: the room keys (common.lua)
ARGV[1..] token ids seen since the last tick (at most a thousand per call)

Returns {} when the room is closed, else {estimate, admitPerSecond, idleTimeoutSeconds, firstEventId, lastEventId}
(ids '' when the stream is empty). A bit of a place that left the line is never read again.
]]
local cfg = readRoom('estimate', 'admitPerSecond', 'idleTimeoutSeconds')
if not cfg[4] then return {} end
if #ARGV > 0 and cfg[1] then
  local L = lineOf(cfg[1], cfg[2], nowMs())
  local key = touchEpoch(L)
  for _, id in ipairs(ARGV) do
    local place = placeOf(L, id)
    if place then redis.call('SETBIT', key, place, 1) end
  end
end
local first = redis.call('XRANGE', K.events, '-', '+', 'COUNT', 1)[1]
local last = redis.call('XREVRANGE', K.events, '+', '-', 'COUNT', 1)[1]
return {cfg[3] or '', cfg[4], cfg[5], first and first[1] or '', last and last[1] or ''}
