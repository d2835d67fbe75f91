--[[
promote: one promotion tick of one room, atomic. Any number of gateway instances may call it at any
time: the rate and capacity limits live here, on Redis's clock, not in any one process.

KEYS[1] room          HASH   config; promoter state: rate, rateAt, bucket, bucketAt, tick
KEYS[2] waiting       ZSET   userId -> token id
KEYS[3] seen          ZSET   userId -> last poll ms
KEYS[4] active        ZSET   userId -> expiry ms
KEYS[5] activeTokens  HASH   userId -> token id
KEYS[6] admissions    ZSET   "<tick>:<count>" -> time ms, one member per admitting tick
KEYS[7] events        STREAM
KEYS[8] unclaimed     HASH   userId -> admission ms, for admitted tokens whose client has not polled since
ARGV[1] most tokens to admit, and most to expire of each kind, in this tick
ARGV[2] events MAXLEN (approximate)

Returns {admitted, idleExpired, activeExpired, waiting, active}.

Steps:
  1. ACTIVE tokens past their expiry are EXPIRED and free their slots.
  2. WAITING tokens that have not polled for idleTimeoutSeconds are EXPIRED, never admitted.
  3. n = min(admitPerSecond - admitted in the last 1000 ms, maxActive - active, token bucket, ARGV[1]).
     The sliding window [now - 1000 ms, now] makes the rate strict over every window, even a closed
     one, not just aligned seconds;
     the token bucket (a fifth of a second's worth) spreads a second's admissions over its ticks.
  4. The n lowest token ids are admitted, in order. An admitted token expires at the earlier of its
     idle deadline (last poll + idleTimeoutSeconds) and admission + activeTtlSeconds, until its client's
     first poll sees ACTIVE and claims the full TTL: a client that walked away while waiting must not
     hold a slot for the whole activeTtlSeconds (the 20,000-user simulation lost all 100 slots that way).
  5. The measured admission rate (an exponentially weighted average, tau = 60 s) is updated, but only
     over ticks where the queue, not a lack of waiting users, limited admissions.
  6. The estimate's inputs are written to the room's `estimate` field (estimate.ts): the rate, the
     share of WAITING tokens that stopped polling, which the idle sweep will remove, and a stall: all
     slots taken, the first to free held by an admitted client that never came back.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local batchMax = tonumber(ARGV[1])
local maxlen = ARGV[2]
-- Waits run to minutes, so the rate that predicts them is a minute's: with 10 s, the slow first seconds
-- of a 20,000-user sale (slots held by buyers) set every joiner's estimate, p90 error 70%.
local TAU_SECONDS = 60
local CHUNK = 1000 -- unpack() is bounded by Lua's C stack (8000 slots)
local IDLE_SWEEP_ROUNDS = 10

local cfg = redis.call('HMGET', KEYS[1], 'maxActive', 'admitPerSecond', 'activeTtlSeconds',
  'idleTimeoutSeconds', 'rate', 'rateAt', 'bucket', 'bucketAt')
if not cfg[1] then return {0, 0, 0, 0, 0} end
local maxActive, perSecond = tonumber(cfg[1]), tonumber(cfg[2])
local ttlMs, idleMs = tonumber(cfg[3]) * 1000, tonumber(cfg[4]) * 1000

local function fmt(n) return string.format('%d', n) end

local function emit(kind, ids)
  if #ids == 0 then return end
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', maxlen, '*', 't', kind, 'at', now, 'ids', table.concat(ids, ','))
end

-- Calls `cmd key a1 a2 …` in chunks; `step` values per item (ZADD takes score and member).
local function chunked(cmd, key, items, step)
  local per = CHUNK * step
  for i = 1, #items, per do
    local last = math.min(i + per - 1, #items)
    redis.call(cmd, key, unpack(items, i, last))
  end
end

-- 1. ACTIVE tokens past expiry.
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', fmt(now), 'LIMIT', 0, batchMax)
local ids = {}
for i, user in ipairs(due) do
  ids[i] = user .. ':' .. (redis.call('HGET', KEYS[5], user) or '0')
end
if #due > 0 then
  chunked('ZREM', KEYS[4], due, 1)
  chunked('HDEL', KEYS[5], due, 1)
  chunked('HDEL', KEYS[8], due, 1)
  emit('X', ids)
end
local activeExpired = #due

-- 2. WAITING tokens that stopped polling. Positions count only live tokens once this tick is done, so
-- a wave of idle tokens is swept in chunks of batchMax, up to IDLE_SWEEP_ROUNDS of them.
local idleBefore = fmt(now - idleMs)
local idleExpired = 0
for _ = 1, IDLE_SWEEP_ROUNDS do
  local idle = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', idleBefore, 'LIMIT', 0, batchMax)
  if #idle == 0 then break end
  ids = {}
  for i, user in ipairs(idle) do
    ids[i] = user .. ':' .. (redis.call('ZSCORE', KEYS[2], user) or '0')
  end
  chunked('ZREM', KEYS[2], idle, 1)
  chunked('ZREM', KEYS[3], idle, 1)
  emit('X', ids)
  idleExpired = idleExpired + #idle
  if #idle < batchMax then break end
end

-- 3. How many may be admitted now.
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', fmt(now - 60000))
local used = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], fmt(now - 1000), '+inf')) do
  used = used + tonumber(string.match(member, ':(%d+)$'))
end
local burst = math.max(1, math.ceil(perSecond / 5))
local bucket = tonumber(cfg[7]) or burst
local bucketAt = tonumber(cfg[8]) or now
bucket = math.min(burst, bucket + math.max(0, now - bucketAt) * perSecond / 1000)

local activeCount = redis.call('ZCARD', KEYS[4])
local waitingBefore = redis.call('ZCARD', KEYS[2])
local limit = math.min(perSecond - used, maxActive - activeCount, math.floor(bucket), batchMax)

-- 4. Admit in order. A popped token that turns out idle (more idle tokens than one sweep takes) is
-- EXPIRED instead, and the loop pops further.
local admitted = 0
if limit > 0 and waitingBefore > 0 then
  local fullExpiry = now + ttlMs
  local scored, tokens, unclaimed, admittedIds, stale = {}, {}, {}, {}, {}
  local rounds = 0
  while admitted < limit and rounds < 10 do
    rounds = rounds + 1
    local popped = redis.call('ZPOPMIN', KEYS[2], limit - admitted)
    if #popped == 0 then break end
    local users = {}
    for i = 1, #popped, 2 do
      local user, id = popped[i], popped[i + 1]
      users[#users + 1] = user
      local lastSeen = tonumber(redis.call('ZSCORE', KEYS[3], user) or 0)
      if now - lastSeen >= idleMs then
        stale[#stale + 1] = user .. ':' .. id
      else
        admitted = admitted + 1
        scored[#scored + 1] = fmt(math.min(lastSeen + idleMs, fullExpiry))
        scored[#scored + 1] = user
        unclaimed[#unclaimed + 1] = user
        unclaimed[#unclaimed + 1] = fmt(now)
        tokens[#tokens + 1] = user
        tokens[#tokens + 1] = id
        admittedIds[admitted] = user .. ':' .. id
      end
    end
    -- every popped user leaves the liveness index, admitted or not
    chunked('ZREM', KEYS[3], users, 1)
  end
  if admitted > 0 then
    chunked('ZADD', KEYS[4], scored, 2)
    chunked('HSET', KEYS[5], tokens, 2)
    chunked('HSET', KEYS[8], unclaimed, 2)
    emit('A', admittedIds)
    local tick = redis.call('HINCRBY', KEYS[1], 'tick', 1)
    redis.call('ZADD', KEYS[6], fmt(now), tick .. ':' .. admitted)
  end
  idleExpired = idleExpired + #stale
  emit('X', stale)
end
bucket = bucket - admitted

-- 6a. A stall: every slot is taken and the one that frees first belongs to an admitted client that
-- walked away: admissions stop until its idle deadline (its score), whatever the rate did before.
-- Walked away: unclaimed, and silent past the poll its advice asked for. Its last poll was at
-- lastSeen = min(score − idle, admission); the advice then was at most max(0.5 s, (admission −
-- lastSeen) / 5) (a fifth of the earliest admission, which came no later than the real one), and 3 s
-- cover the poll's own latency and the replicas' batched liveness. One ZRANGE and one HGET.
local staleMs = math.min(math.min(30000, math.floor(idleMs / 2)) + 5000, math.floor(idleMs * 0.75))
local stallMs = 0
if activeCount + admitted >= maxActive then
  local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  if first[1] then
    local admittedAt = tonumber(redis.call('HGET', KEYS[8], first[1]) or '')
    if admittedAt then
      local score = tonumber(first[2])
      local lastSeen = math.min(score - idleMs, admittedAt)
      local advice = math.min(30000, math.max(500, (admittedAt - lastSeen) / 5))
      if now > lastSeen + advice + 3000 then stallMs = math.max(0, score - now) end
    end
  end
end

-- 5. Measured admission rate; not over a stall, which the estimate counts apart (6a).
local rate = tonumber(cfg[5]) or perSecond
local rateAt = tonumber(cfg[6]) or now
local drained = admitted >= waitingBefore and admitted < limit
if waitingBefore > 0 and not drained and stallMs == 0 and now > rateAt then
  local dt = math.min((now - rateAt) / 1000, 5)
  local alpha = 1 - math.exp(-dt / TAU_SECONDS)
  rate = rate + alpha * (admitted / dt - rate)
end
-- 6. The estimate's model (estimate.ts, EstimateModel): "rate;staleShare;sweepSeconds;stallSeconds".
-- Stale: not seen for staleMs = min(the longest polling advice + 5 s, ¾ of the idle timeout), so
-- abandoned; the sweep removes them within idle − staleMs. One ZCOUNT, O(log N).
local waitingAfter = redis.call('ZCARD', KEYS[2])
local stale = 0
if waitingAfter > 0 then
  stale = redis.call('ZCOUNT', KEYS[3], '-inf', fmt(now - staleMs)) / waitingAfter
end
redis.call('HSET', KEYS[1], 'rate', string.format('%.6f', rate), 'rateAt', fmt(now),
  'bucket', string.format('%.6f', bucket), 'bucketAt', fmt(now),
  'estimate', string.format('%.6f;%.6f;%.3f;%.3f', rate, math.min(1, stale), (idleMs - staleMs) / 1000,
    stallMs / 1000))

return {admitted, idleExpired, activeExpired, waitingAfter, redis.call('ZCARD', KEYS[4])}
