--[[
close-room: close a room. Every token of it becomes EXPIRED: a token's state lives only in these keys.
UNLINK frees the line's keys off the main thread.

KEYS: the room keys (common.lua); the event stream is kept, so that the journal can record the close
ARGV[1] events MAXLEN (approximate)

Returns 1 if the room was open, else 0. Kept: the sequence, so a reopened room never reuses a token
id; and the admission log, so a room closed and reopened within a second cannot exceed its rate.
]]
local cfg = readRoom()
if not cfg[2] then return 0 end
local now = nowMs()
dropLine(tonumber(cfg[2]), math.floor(now / tonumber(cfg[2])))
redis.call('UNLINK', K.room, K.active, K.activeTokens, K.unclaimed)
redis.call('XADD', K.events, 'MAXLEN', '~', ARGV[1], '*', 't', 'C', 'at', fmt(now), 'ids', '')
return 1
