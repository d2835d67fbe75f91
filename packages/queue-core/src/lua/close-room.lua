--[[
close-room: close a room. Every token of it becomes EXPIRED: a token's state lives only in these keys.
UNLINK frees the (possibly million-member) sets off the main thread.

KEYS[1] room, KEYS[2] waiting, KEYS[3] seen, KEYS[4] active, KEYS[5] activeTokens, KEYS[6] unclaimed
KEYS[7] events  STREAM, kept so that the journal can record the close
ARGV[1] events MAXLEN (approximate)

Returns 1 if the room was open, else 0. Kept: the sequence, so a reopened room never reuses a token
id; and the admission log, so a room closed and reopened within a second cannot exceed its rate.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[1], '*', 't', 'C', 'at', string.format('%d', now), 'ids', '')
return 1
