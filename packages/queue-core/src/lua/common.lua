--[[
common: prepended to every room script (scripts.ts), so that what two scripts share is written once.

KEYS, the same order for every room script (keys.ts SCRIPT_KEY_ORDER); a script's own keys follow:
  1 room          HASH   config; promoter state; line state: base, live, head, epochMs, sweptEpoch
  2 seq           STRING the room's join sequence (token ids)
  3 line          BITMAP bit per place: WAITING
  4 users         STRING 4 bytes per place: its user id
  5 buckets       SET    numbers of the per-user dedupe hashes in use
  6 dead          BITMAP scratch of the idle sweep
  7 active        ZSET   userId -> expiry ms
  8 activeTokens  HASH   userId -> token id
  9 unclaimed     HASH   userId -> admission ms
 10 admissions    ZSET   "<tick>:<count>" -> time ms
 11 events        STREAM lifecycle events

A token's place is its id minus the room's `base`. Liveness: a WAITING token polled (or joined, or was
read by an open stream) during epoch e has bit `place` set in `seen:<epochMs>:<e>`, where an epoch is
an eighth of the idle timeout. A token is idle when no bit of its is set in the window of the last
EPOCHS + 1 epochs, the current one included: so it expires between idleTimeoutSeconds and one epoch
(an eighth of it) after its last poll, never before.

Keys derived here from KEYS[1] (seen epochs, dedupe hashes) share the room's hash tag, so that they
live in the room's cluster slot; keys.ts derives them the same way.
]]
local K = {
  room = KEYS[1], seq = KEYS[2], line = KEYS[3], users = KEYS[4], buckets = KEYS[5], dead = KEYS[6],
  active = KEYS[7], activeTokens = KEYS[8], unclaimed = KEYS[9], admissions = KEYS[10], events = KEYS[11],
}
local ROOM_BASE = string.sub(K.room, 1, -6) -- without ':room'
local EPOCHS = 8
local BUCKET = 128

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- string.format, not `..`: Lua prints numbers past 14 digits in exponent form.
local function fmt(n) return string.format('%d', n) end

-- One stream entry for a batch: `ids` is a list of "userId:tokenId".
local function emit(kind, at, ids, maxlen)
  if #ids == 0 then return end
  redis.call('XADD', K.events, 'MAXLEN', '~', maxlen, '*', 't', kind, 'at', fmt(at), 'ids', table.concat(ids, ','))
end

-- The idle timeout's epoch length for a room, in ms (idle seconds * 1000 is divisible by EPOCHS).
local function epochMsOf(idleSeconds) return tonumber(idleSeconds) * 1000 / EPOCHS end

local function seenKey(epochMs, e) return ROOM_BASE .. ':seen:' .. fmt(epochMs) .. ':' .. fmt(e) end

local function bucketOf(user)
  local n = math.floor(user / BUCKET)
  return ROOM_BASE .. ':u:' .. fmt(n), fmt(user % BUCKET), n
end

-- The line of an open room, from its hash fields `base` (nil before the first join) and `epochMs`.
local function lineOf(base, epochMs, now)
  local L = { base = tonumber(base), epochMs = tonumber(epochMs), now = now }
  L.epoch = math.floor(now / L.epochMs)
  return L
end

-- The place of token `id`, or nil when the id is not of this line.
local function placeOf(L, id)
  if not L.base then return nil end
  local place = tonumber(id) - L.base
  if place < 0 then return nil end
  return place
end

local function userAt(place)
  local raw = redis.call('GETRANGE', K.users, place * 4, place * 4 + 3)
  if #raw < 4 then return 0 end
  return (struct.unpack('>I4', raw))
end

-- Is token `id` of `user` WAITING? Returns its place, or nil.
local function waitingPlace(L, id, user)
  local place = placeOf(L, id)
  if place and redis.call('GETBIT', K.line, place) == 1 and userAt(place) == tonumber(user) then
    return place
  end
  return nil
end

-- The newest epoch of the idle window in which the place was live, or nil: idle.
local function lastSeenEpoch(L, place)
  for e = L.epoch, L.epoch - EPOCHS, -1 do
    if redis.call('GETBIT', seenKey(L.epochMs, e), place) == 1 then return e end
  end
  return nil
end

-- The latest time the place may have been seen: the end of its newest live epoch, at most now.
local function lastSeenMs(L, place)
  local e = lastSeenEpoch(L, place)
  if not e then return nil end
  return math.min(L.now, (e + 1) * L.epochMs)
end

-- An epoch's key lives for the window and one more epoch.
local function touchEpoch(L)
  local key = seenKey(L.epochMs, L.epoch)
  redis.call('SET', key, '', 'NX', 'PX', fmt((EPOCHS + 2) * L.epochMs))
  return key
end

local function markSeen(L, place) redis.call('SETBIT', touchEpoch(L), place, 1) end

-- Live tokens ahead of the place, plus one.
local function positionOf(place) return redis.call('BITCOUNT', K.line, 0, place, 'BIT') end

-- Takes a WAITING place out of the line (admitted, expired, left).
local function removeWaiting(place, user)
  redis.call('SETBIT', K.line, place, 0)
  local bucket, field = bucketOf(user)
  redis.call('HDEL', bucket, field)
  return redis.call('HINCRBY', K.room, 'live', -1)
end

-- Writes a WAITING user at a place of the line, live now (a join; a restore).
local function writePlace(L, place, user)
  redis.call('SETRANGE', K.users, place * 4, struct.pack('>I4', user))
  redis.call('SETBIT', K.line, place, 1)
  local bucket, field, n = bucketOf(user)
  redis.call('HSET', bucket, field, fmt(place))
  redis.call('SADD', K.buckets, n)
  markSeen(L, place)
end

-- Puts token `id` of `user` at the end of the line. Returns its place and the count of WAITING tokens.
local function addWaiting(L, id, user)
  if not L.base then
    L.base = id
    redis.call('HSET', K.room, 'base', fmt(id))
  end
  local place = id - L.base
  writePlace(L, place, user)
  return place, redis.call('HINCRBY', K.room, 'live', 1)
end

-- The WAITING place of a user (the dedupe hash), or nil.
local function placeOfUser(user)
  local bucket, field = bucketOf(user)
  local place = redis.call('HGET', bucket, field)
  if place and redis.call('GETBIT', K.line, tonumber(place)) == 1 then return tonumber(place) end
  return nil
end

-- Deletes every key of the line (close, and a restore's fresh start), and its epochs around `epoch`.
local function dropLine(epochMs, epoch)
  for _, n in ipairs(redis.call('SMEMBERS', K.buckets)) do
    redis.call('UNLINK', ROOM_BASE .. ':u:' .. n)
  end
  redis.call('UNLINK', K.line, K.users, K.buckets, K.dead)
  if epochMs then
    for e = epoch - EPOCHS - 1, epoch + 1 do redis.call('UNLINK', seenKey(epochMs, e)) end
  end
end

-- An ACTIVE token's state: its expiry, claiming the full TTL if its client now sees the admission.
-- Returns the expiry (ms), or nil when it is not this user's ACTIVE token or has expired.
local function activeExpiry(user, id, now, ttlSeconds, claim)
  if tonumber(redis.call('HGET', K.activeTokens, user) or 0) ~= tonumber(id) then return nil end
  local expiresAt = tonumber(redis.call('ZSCORE', K.active, user) or 0)
  if expiresAt <= now then return nil end
  if claim then
    local admittedAt = redis.call('HGET', K.unclaimed, user)
    if admittedAt then
      expiresAt = tonumber(admittedAt) + tonumber(ttlSeconds) * 1000
      redis.call('HDEL', K.unclaimed, user)
      redis.call('ZADD', K.active, fmt(expiresAt), user)
      if expiresAt <= now then return nil end
    end
  end
  return expiresAt
end

-- Takes an ACTIVE user out (expired, left, paid).
local function removeActive(user)
  redis.call('ZREM', K.active, user)
  redis.call('HDEL', K.activeTokens, user)
  redis.call('HDEL', K.unclaimed, user)
end

-- The room's fields the line needs, and then `...`: one HMGET.
local function readRoom(...)
  return redis.call('HMGET', K.room, 'base', 'epochMs', ...)
end

-- What an operator watches (room-stats.lua, and open-room.lua's answer): {} when the room is closed,
-- else {waiting, active, admittedLastMinute, maxActive, admitPerSecond, activeTtlSeconds,
-- idleTimeoutSeconds, maxWaiting, rate}.
local function roomStats(now)
  local cfg = redis.call('HMGET', K.room, 'maxActive', 'admitPerSecond', 'activeTtlSeconds',
    'idleTimeoutSeconds', 'maxWaiting', 'rate', 'live')
  if not cfg[1] then return {} end
  local admitted = 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', K.admissions, '(' .. fmt(now - 60000), '+inf')) do
    admitted = admitted + tonumber(string.match(member, ':(%d+)$'))
  end
  return {
    tonumber(cfg[7] or 0),
    redis.call('ZCOUNT', K.active, '(' .. fmt(now), '+inf'),
    admitted, cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6] or '',
  }
end
