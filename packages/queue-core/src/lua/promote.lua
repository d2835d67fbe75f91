--[[
promote: one promotion tick of one room, atomic. Any number of gateway instances may call it at any
time: the rate and capacity limits live here, on Redis's clock, not in any one process.

KEYS: the room keys (common.lua); the room hash keeps the promoter's state: rate, rateAt, bucket,
bucketAt, tick, head (the lowest place that may be WAITING), sweptEpoch and deadCursor (the idle sweep)
ARGV[1] most tokens to admit, and most to expire of each kind, in this tick
ARGV[2] events MAXLEN (approximate)

Returns {admitted, idleExpired, activeExpired, waiting, active}.

Steps:
  1. ACTIVE tokens past their expiry are EXPIRED and free their slots.
  2. WAITING tokens that have not polled for idleTimeoutSeconds are EXPIRED, never admitted: once per
     epoch, `dead` = the line minus every place with a liveness bit in the idle window (three BITOPs),
     then its set bits are expired in order, batchMax × IDLE_SWEEP_ROUNDS per tick at most.
  3. n = min(admitPerSecond - admitted in the last 1000 ms, maxActive - active, token bucket, ARGV[1]).
     The sliding window [now - 1000 ms, now] makes the rate strict over every window, even a closed
     one, not just aligned seconds;
     the token bucket (a fifth of a second's worth) spreads a second's admissions over its ticks.
  4. The n lowest token ids are admitted, in order (BITPOS over the line from `head`). An admitted token expires at the earlier of its
     idle deadline (last poll + idleTimeoutSeconds) and admission + activeTtlSeconds, until its client's
     first poll sees ACTIVE and claims the full TTL: a client that walked away while waiting must not
     hold a slot for the whole activeTtlSeconds (the 20,000-user simulation lost all 100 slots that way).
  5. The measured admission rate (an exponentially weighted average, tau = 60 s) is updated, but only
     over ticks where the queue, not a lack of waiting users, limited admissions.
  6. The estimate's inputs are written to the room's `estimate` field (estimate.ts): the rate, the
     share of WAITING tokens that stopped polling, which the idle sweep will remove (counted once per
     epoch, with the sweep), and a stall: all
     slots taken, the first to free held by an admitted client that never came back.
]]
local now = nowMs()
local batchMax = tonumber(ARGV[1])
local maxlen = ARGV[2]
-- Waits run to minutes, so the rate that predicts them is a minute's: with 10 s, the slow first seconds
-- of a 20,000-user sale (slots held by buyers) set every joiner's estimate, p90 error 70%.
local TAU_SECONDS = 60
local CHUNK = 1000 -- unpack() is bounded by Lua's C stack (8000 slots)
local IDLE_SWEEP_ROUNDS = 10

local cfg = readRoom('maxActive', 'admitPerSecond', 'activeTtlSeconds', 'idleTimeoutSeconds', 'rate',
  'rateAt', 'bucket', 'bucketAt', 'live', 'head', 'sweptEpoch', 'deadCursor', 'stale')
if not cfg[3] then return {0, 0, 0, 0, 0} end
local L = lineOf(cfg[1], cfg[2], now)
local maxActive, perSecond = tonumber(cfg[3]), tonumber(cfg[4])
local ttlMs, idleMs = tonumber(cfg[5]) * 1000, tonumber(cfg[6]) * 1000
local live = tonumber(cfg[11] or 0)
local head = tonumber(cfg[12] or 0)
-- Stale: not seen for staleMs = min(the longest polling advice + 5 s, ¾ of the idle timeout), so
-- abandoned; the sweep removes them within idle − staleMs.
local staleMs = math.min(math.min(30000, math.floor(idleMs / 2)) + 5000, math.floor(idleMs * 0.75))

-- Calls `cmd key a1 a2 …` in chunks; `step` values per item (ZADD takes score and member).
local function chunked(cmd, key, items, step)
  local per = CHUNK * step
  for i = 1, #items, per do
    local last = math.min(i + per - 1, #items)
    redis.call(cmd, key, unpack(items, i, last))
  end
end

-- WAITING places with a liveness bit in epochs fromEpoch..now, into `dead`; returns their count.
local function seenSince(fromEpoch)
  local keys = {}
  for e = fromEpoch, L.epoch do keys[#keys + 1] = seenKey(L.epochMs, e) end
  redis.call('BITOP', 'OR', K.dead, unpack(keys))
  redis.call('BITOP', 'AND', K.dead, K.dead, K.line)
  return redis.call('BITCOUNT', K.dead)
end

-- 1. ACTIVE tokens past expiry.
local due = redis.call('ZRANGEBYSCORE', K.active, '-inf', fmt(now), 'LIMIT', 0, batchMax)
local ids = {}
for i, user in ipairs(due) do
  ids[i] = user .. ':' .. (redis.call('HGET', K.activeTokens, user) or '0')
end
if #due > 0 then
  chunked('ZREM', K.active, due, 1)
  chunked('HDEL', K.activeTokens, due, 1)
  chunked('HDEL', K.unclaimed, due, 1)
  emit('X', now, ids, maxlen)
end
local activeExpired = #due

-- 2. WAITING tokens that stopped polling. Positions count only live tokens once this tick is done, so
-- a wave of idle tokens is swept in chunks, up to IDLE_SWEEP_ROUNDS × batchMax per tick.
-- Stale tokens are counted once per epoch; the idle ones swept since then were stale too.
local staleCount = tonumber(cfg[15] or 0)
local deadCursor = tonumber(cfg[14] or 0)
if L.base and tonumber(cfg[13] or '') ~= L.epoch then
  -- Once per epoch: the stale count for the estimate, then the dead places (line minus seen). Stale:
  -- no bit in the last ceil(staleMs / epochMs) epochs, so unseen for staleMs less at most one epoch (an
  -- estimate's input, counted early rather than late); dead: no bit in the idle window, never early.
  staleCount = math.max(0, live - seenSince(L.epoch - math.ceil(staleMs / L.epochMs) + 1))
  seenSince(L.epoch - EPOCHS)
  redis.call('BITOP', 'XOR', K.dead, K.dead, K.line)
  deadCursor = 0
end
local idleExpired = 0
if L.base and deadCursor >= 0 then
  ids = {}
  local sweepMax = batchMax * IDLE_SWEEP_ROUNDS
  while idleExpired < sweepMax do
    local place = redis.call('BITPOS', K.dead, 1, deadCursor, -1, 'BIT')
    if place < 0 then
      deadCursor = -1
      break
    end
    deadCursor = place + 1
    if redis.call('GETBIT', K.line, place) == 1 then
      local user = userAt(place)
      live = removeWaiting(place, user)
      idleExpired = idleExpired + 1
      ids[#ids + 1] = fmt(user) .. ':' .. fmt(L.base + place)
      if #ids >= CHUNK then
        emit('X', now, ids, maxlen)
        ids = {}
      end
    end
  end
  emit('X', now, ids, maxlen)
end
-- 3. How many may be admitted now.
redis.call('ZREMRANGEBYSCORE', K.admissions, '-inf', fmt(now - 60000))
local used = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', K.admissions, fmt(now - 1000), '+inf')) do
  used = used + tonumber(string.match(member, ':(%d+)$'))
end
local burst = math.max(1, math.ceil(perSecond / 5))
local bucket = tonumber(cfg[9]) or burst
local bucketAt = tonumber(cfg[10]) or now
bucket = math.min(burst, bucket + math.max(0, now - bucketAt) * perSecond / 1000)

local activeCount = redis.call('ZCARD', K.active)
local waitingBefore = live
local limit = math.min(perSecond - used, maxActive - activeCount, math.floor(bucket), batchMax)

-- 4. Admit in order. A token that turns out idle (more idle tokens than one sweep takes) is EXPIRED
-- instead, and the loop goes on to the next.
local admitted = 0
if limit > 0 and waitingBefore > 0 then
  local fullExpiry = now + ttlMs
  local scored, tokens, unclaimed, admittedIds, stale = {}, {}, {}, {}, {}
  local popped = 0
  while admitted < limit and popped < limit * IDLE_SWEEP_ROUNDS do
    popped = popped + 1
    local place = redis.call('BITPOS', K.line, 1, head, -1, 'BIT')
    if place < 0 then break end
    head = place + 1
    local user = userAt(place)
    local id = fmt(L.base + place)
    local lastSeen = lastSeenMs(L, place)
    live = removeWaiting(place, user)
    if not lastSeen then
      stale[#stale + 1] = fmt(user) .. ':' .. id
    else
      admitted = admitted + 1
      scored[#scored + 1] = fmt(math.min(lastSeen + idleMs, fullExpiry))
      scored[#scored + 1] = user
      unclaimed[#unclaimed + 1] = user
      unclaimed[#unclaimed + 1] = fmt(now)
      tokens[#tokens + 1] = user
      tokens[#tokens + 1] = id
      admittedIds[admitted] = fmt(user) .. ':' .. id
    end
  end
  if admitted > 0 then
    chunked('ZADD', K.active, scored, 2)
    chunked('HSET', K.activeTokens, tokens, 2)
    chunked('HSET', K.unclaimed, unclaimed, 2)
    emit('A', now, admittedIds, maxlen)
    local tick = redis.call('HINCRBY', K.room, 'tick', 1)
    redis.call('ZADD', K.admissions, fmt(now), tick .. ':' .. admitted)
  end
  idleExpired = idleExpired + #stale
  emit('X', now, stale, maxlen)
end
staleCount = math.max(0, staleCount - idleExpired)
local staleShare = live > 0 and staleCount / live or 0
bucket = bucket - admitted

-- 6a. A stall: every slot is taken and the one that frees first belongs to an admitted client that
-- walked away: admissions stop until its idle deadline (its score), whatever the rate did before.
-- Walked away: unclaimed, and silent past the poll its advice asked for. Its last poll was at
-- lastSeen = min(score − idle, admission); the advice then was at most max(0.5 s, (admission −
-- lastSeen) / 5) (a fifth of the earliest admission, which came no later than the real one), and 3 s
-- cover the poll's own latency and the replicas' batched liveness. One ZRANGE and one HGET.
local stallMs = 0
if activeCount + admitted >= maxActive then
  local first = redis.call('ZRANGE', K.active, 0, 0, 'WITHSCORES')
  if first[1] then
    local admittedAt = tonumber(redis.call('HGET', K.unclaimed, first[1]) or '')
    if admittedAt then
      local score = tonumber(first[2])
      local lastSeen = math.min(score - idleMs, admittedAt)
      local advice = math.min(30000, math.max(500, (admittedAt - lastSeen) / 5))
      if now > lastSeen + advice + 3000 then stallMs = math.max(0, score - now) end
    end
  end
end

-- 5. Measured admission rate; not over a stall, which the estimate counts apart (6a).
local rate = tonumber(cfg[7]) or perSecond
local rateAt = tonumber(cfg[8]) or now
local drained = admitted >= waitingBefore and admitted < limit
if waitingBefore > 0 and not drained and stallMs == 0 and now > rateAt then
  local dt = math.min((now - rateAt) / 1000, 5)
  local alpha = 1 - math.exp(-dt / TAU_SECONDS)
  rate = rate + alpha * (admitted / dt - rate)
end
-- 6. The estimate's model (estimate.ts, EstimateModel): "rate;staleShare;sweepSeconds;stallSeconds".
local waitingAfter = live
redis.call('HSET', K.room, 'rate', string.format('%.6f', rate), 'rateAt', fmt(now),
  'bucket', string.format('%.6f', bucket), 'bucketAt', fmt(now), 'head', fmt(head),
  'sweptEpoch', fmt(L.epoch), 'deadCursor', fmt(deadCursor), 'stale', fmt(staleCount),
  'estimate', string.format('%.6f;%.6f;%.3f;%.3f', rate, math.min(1, staleShare), (idleMs - staleMs) / 1000,
    stallMs / 1000))

return {admitted, idleExpired, activeExpired, waitingAfter, redis.call('ZCARD', K.active)}
