/**
 * bench:gateway — join and poll throughput of the queue-gateway, poll latency against the queue's
 * length, Redis memory per waiting token and promoter throughput, each beside a baseline measured in
 * the same run (a bare Fastify route, redis-benchmark). See bench/README.md.
 *
 *   pnpm --filter @concert/bench bench:gateway [--duration 10] [--connections 50] [--rounds 2] [--tiny] …
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRedis } from '@concert/http';
import { createQueueCore, createTokenCodec, type QueueCore, type RoomConfig } from '@concert/queue-core';
import type { Redis } from 'ioredis';
import { signUserTokens } from './lib/identity.ts';
import { installInterruptHandler, onInterrupt } from './lib/interrupt.ts';
import { round } from './lib/ipc.ts';
import { assertStatuses, type MeasuredLoad, measureLoad } from './lib/measure.ts';
import { assertKnownFlags, parseFlags, readBoolean, readNumber, readString } from './lib/options.ts';
import { fillWaitingRoom, openRoomOverHttp, pickEvenly } from './lib/queue.ts';
import { deleteKeysWithPrefix, readKeyMemory, readRedisCpuSeconds, readUsedMemory } from './lib/redis.ts';
import { type RedisBenchmarkResult, redisBenchmark } from './lib/redis-benchmark.ts';
import {
  describeMachine,
  type Figure,
  figure,
  formatNumber,
  median,
  pickQuietRuns,
  renderCpuTable,
  renderMarkdownTable,
  writeJsonReport,
} from './lib/report.ts';
import { type ServerProcess, startServerProcess } from './lib/server-process.ts';

// Kept importable from here: it moved to lib/report.ts for the booking bench.
export { pickQuietRuns };

const here = path.dirname(fileURLToPath(import.meta.url));
const at = (p: string) => path.join(here, p);

export interface GatewayBenchOptions {
  /** Seconds of each measured autocannon run, after `warmupSeconds` of unmeasured load. */
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  pipelining: number;
  /**
   * Rounds of [bare, join, poll short queue, poll long queue]. Each figure is the median over the
   * rounds' quiet runs (see `maxOtherCores`), or over all of them when none of a kind was quiet.
   */
  rounds: number;
  /**
   * A run counts as quiet when processes other than the bench's used at most this many cores during
   * it (Linux /proc/stat). The 2 cores are shared with whatever else runs on the machine.
   */
  maxOtherCores: number;
  /** The short queue and the long one whose poll p99s are compared. */
  smallWaiting: number;
  bigWaiting: number;
  /** Tokens polled in turn, spread evenly through the queue. */
  pollPool: number;
  /** Waiting tokens the promoter drains, and its batch size per promoteRoom call. */
  promoteWaiting: number;
  promoteBatch: number;
  /** Requests of each redis-benchmark run. */
  redisRequests: number;
  /** Joins in flight while filling a room. */
  fillInFlight: number;
  /**
   * User tokens signed before the rounds, as an identity provider would have issued them. Each round's
   * joins use them over as many rooms as it needs (each user joins each room once), so that every join
   * is a new one (201) without signing a token per request.
   */
  joinUsers: number;
  /**
   * RATE_LIMIT_MAX of a second gateway, whose polls are measured too ("poll, rate limit on"): the
   * limiter counts every request, as in production, but this many per minute is never reached, so
   * that every answer is still a 200 (a 429 is a cheaper path).
   */
  rateLimitMax: number;
  /** No join runs (a profile of the polls alone); the join figures are left out. */
  isJoinSkipped: boolean;
  redisUrl: string;
  /** Where the JSON report goes. */
  outDir: string;
  /** When set, the server processes write V8 CPU profiles under it. */
  cpuProfileDir?: string;
}

export const DEFAULT_OPTIONS: Omit<GatewayBenchOptions, 'redisUrl' | 'outDir'> = {
  durationSeconds: 10,
  warmupSeconds: 2,
  connections: 50,
  pipelining: 1,
  rounds: 3,
  maxOtherCores: 0.25,
  smallWaiting: 1_000,
  bigWaiting: 1_000_000,
  pollPool: 1_000,
  promoteWaiting: 200_000,
  promoteBatch: 10_000,
  redisRequests: 200_000,
  fillInFlight: 1_000,
  joinUsers: 20_000,
  rateLimitMax: 2_000_000_000,
  isJoinSkipped: false,
};

/** `--tiny`: every step, at sizes that finish in seconds (the smoke test). Its numbers mean nothing. */
export const TINY_OPTIONS: Partial<GatewayBenchOptions> = {
  durationSeconds: 1,
  warmupSeconds: 0,
  connections: 10,
  rounds: 1,
  smallWaiting: 200,
  bigWaiting: 2_000,
  pollPool: 200,
  promoteWaiting: 2_000,
  promoteBatch: 500,
  redisRequests: 2_000,
  joinUsers: 2_000,
};

const FLAGS = [
  'duration',
  'warmup',
  'connections',
  'pipelining',
  'rounds',
  'max-other-cores',
  'small-waiting',
  'big-waiting',
  'poll-pool',
  'promote-waiting',
  'promote-batch',
  'redis-requests',
  'fill-in-flight',
  'join-users',
  'rate-limit-max',
  'skip-joins',
  'redis-url',
  'out-dir',
  'profile-dir',
  'tiny',
];

const MAX_ROUNDS = 20;
/** Each round's join rooms are concerts JOIN_ROOM_BASE + (round - 1) * MAX_JOIN_ROOMS + 0, 1, … */
const JOIN_ROOM_BASE = 1_000;
const MAX_JOIN_ROOMS = 1_000;
/**
 * Joins one round may send, as a multiple of the bare route's rate of the same round over the warm-up
 * and the measured run: a join does all the bare route does and more, so it never reaches 1×; twice is
 * room for a bare run slowed by other work.
 */
const JOIN_BUDGET_VS_BARE = 2;

export function readGatewayBenchOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): GatewayBenchOptions {
  const raw = parseFlags(argv, env);
  assertKnownFlags(raw, FLAGS);
  const base = { ...DEFAULT_OPTIONS, ...(readBoolean(raw, 'tiny') ? TINY_OPTIONS : {}) };
  const profileDir = readString(raw, 'profile-dir', '');
  const opts: GatewayBenchOptions = {
    durationSeconds: readNumber(raw, 'duration', base.durationSeconds, 1),
    warmupSeconds: readNumber(raw, 'warmup', base.warmupSeconds, 0),
    connections: readNumber(raw, 'connections', base.connections, 1),
    pipelining: readNumber(raw, 'pipelining', base.pipelining, 1),
    rounds: readNumber(raw, 'rounds', base.rounds, 1),
    maxOtherCores: readNumber(raw, 'max-other-cores', base.maxOtherCores, 0),
    smallWaiting: readNumber(raw, 'small-waiting', base.smallWaiting, 1),
    bigWaiting: readNumber(raw, 'big-waiting', base.bigWaiting, 1),
    pollPool: readNumber(raw, 'poll-pool', base.pollPool, 1),
    promoteWaiting: readNumber(raw, 'promote-waiting', base.promoteWaiting, 1),
    promoteBatch: readNumber(raw, 'promote-batch', base.promoteBatch, 1),
    redisRequests: readNumber(raw, 'redis-requests', base.redisRequests, 1),
    fillInFlight: readNumber(raw, 'fill-in-flight', base.fillInFlight, 1),
    joinUsers: readNumber(raw, 'join-users', base.joinUsers, 1),
    rateLimitMax: readNumber(raw, 'rate-limit-max', base.rateLimitMax, 1),
    isJoinSkipped: readBoolean(raw, 'skip-joins', base.isJoinSkipped),
    redisUrl: readString(raw, 'redis-url', env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    outDir: path.resolve(readString(raw, 'out-dir', at('results'))),
    ...(profileDir ? { cpuProfileDir: path.resolve(profileDir) } : {}),
  };
  if (opts.smallWaiting > opts.bigWaiting) throw new Error('--small-waiting must not exceed --big-waiting');
  if (opts.rounds > MAX_ROUNDS) throw new Error(`--rounds must be at most ${MAX_ROUNDS}`);
  const host = new URL(opts.redisUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`the bench only targets 127.0.0.1, not ${opts.redisUrl}`);
  }
  return opts;
}

/** One concert per purpose, so that no measurement sees another's tokens (joins: JOIN_ROOM_BASE on). */
const ROOMS = { small: 2, big: 3, promote: 4 } as const;

/** Rooms under measurement: nobody idles out during a long fill, nothing caps the queue. */
const MEASURED_ROOM: RoomConfig = {
  maxActive: 500,
  admitPerSecond: 50,
  activeTtlSeconds: 600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: 1_000_000_000,
};

/** The promoter's room: rate and capacity far above what it can admit, so only its own speed limits it. */
const PROMOTE_ROOM: RoomConfig = {
  maxActive: 1_000_000_000,
  admitPerSecond: 1_000_000_000,
  activeTtlSeconds: 3_600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: 1_000_000_000,
};

type LoadName = 'bare' | 'join' | 'pollSmall' | 'pollBig' | 'pollLimited';

export interface GatewayBenchReport {
  bench: 'gateway';
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof describeMachine>;
  options: GatewayBenchOptions;
  figures: Figure[];
  /** Every HTTP run, by kind, in round order. */
  loads: Record<LoadName, MeasuredLoad[]>;
  /** The titles of the runs each kind's figures were taken from. */
  runsUsed: Record<LoadName, string[]>;
  fills: Record<string, { tokens: number; seconds: number; joinsPerSecond: number }>;
  /** The joins' user tokens (HS256, signed before the rounds) and the rooms each round's joins used. */
  joinUsers: { tokens: number; signSeconds: number; roomsPerRound: number[] };
  memory: {
    tokens: number;
    usedMemoryBefore: number;
    usedMemoryAfterFill: number;
    usedMemoryAfterTrim: number;
    /** Exact bytes of each of the long queue's keys after the fill (MEMORY USAGE … SAMPLES 0). */
    keyBytes: Record<string, number>;
    /** Exact bytes per member of a bare ZSET of the same size (the ZRANK key). */
    bareZsetBytesPerMember: number;
  };
  promoter: {
    tokens: number;
    batchMax: number;
    calls: number;
    seconds: number;
    admissionsPerSecond: number;
    /** Each promoteRoom call's round trip: Redis runs nothing else meanwhile. */
    callMs: { p50: number; max: number };
    redisCores: number;
  };
  redisBenchmark: { zadd: RedisBenchmarkResult; zrank: RedisBenchmarkResult };
  markdown: string;
}

type Log = (line: string) => void;

export async function runGatewayBench(
  opts: GatewayBenchOptions,
  log: Log = (l) => console.error(l),
): Promise<GatewayBenchReport> {
  const startedAt = new Date();
  const prefix = `bench:gateway:${randomUUID().slice(0, 8)}:`;
  const secret = randomBytes(32).toString('hex');
  // The identity provider's HS256 secret (AUTH_JWT_SECRET); it must differ from the queue tokens' key.
  const authSecret = randomBytes(32).toString('hex');
  const adminKey = randomBytes(16).toString('hex');
  const redis = createRedis(opts.redisUrl, { name: 'bench-gateway' });
  await redis.connect();
  const queue = createQueueCore({ redis, prefix });
  const codec = createTokenCodec(secret);
  const running: ServerProcess[] = [];

  const cleanUp = async () => {
    await Promise.allSettled(running.map((s) => s.stop()));
    const deleted = await deleteKeysWithPrefix(redis, prefix).catch((err: Error) => {
      log(`  cleanup failed: ${err.message}`);
      return 0;
    });
    log(`  cleaned up ${deleted} keys under ${prefix}`);
  };
  const unregister = onInterrupt(cleanUp);

  const start = async (name: string, entry: string, env?: Record<string, string>) => {
    const s = await startServerProcess({
      name,
      entry,
      ...(env ? { env } : {}),
      ...(opts.cpuProfileDir ? { cpuProfileDir: opts.cpuProfileDir } : {}),
    });
    running.push(s);
    return s;
  };

  log(
    `bench:gateway: prefix ${prefix}; ${opts.rounds} round(s) of ${opts.warmupSeconds}+${opts.durationSeconds} s runs, ` +
      `${opts.connections} connections, pipelining ${opts.pipelining}`,
  );
  try {
    // The baseline, a bare route with the same Fastify options, and the gateway with the promoter off,
    // so that nobody's position moves while it is measured. Both listen for the whole run; the one
    // not under load is idle.
    const bareServer = await start('bare', at('servers/bare.ts'));
    const gatewayEnv = {
      REDIS_URL: opts.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_TOKEN_SECRET: secret,
      AUTH_JWT_SECRET: authSecret,
      ADMIN_API_KEY: adminKey,
      RATE_LIMIT_MAX: '0',
      PROMOTER_ENABLED: 'false',
      LOG_LEVEL: 'silent',
    };
    const gateway = await start('gateway', at('servers/gateway.ts'), gatewayEnv);
    // The same gateway with the rate limiter on, as production runs it (its limit is never reached).
    const limitedGateway = await start('gateway-rate-limited', at('servers/gateway.ts'), {
      ...gatewayEnv,
      RATE_LIMIT_MAX: String(opts.rateLimitMax),
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    for (const c of [ROOMS.small, ROOMS.big]) {
      await openRoomOverHttp(gateway.url, adminKey, c, MEASURED_ROOM);
    }

    // The joining users' tokens, issued before the load as by an identity provider at login.
    const t0 = performance.now();
    const userTokens = await signUserTokens(authSecret, {
      firstUserId: 1,
      count: opts.joinUsers,
      ttlSeconds: 24 * 3600,
    });
    const signSeconds = round((performance.now() - t0) / 1000);
    log(`  signed ${formatNumber(opts.joinUsers)} user tokens in ${signSeconds} s`);
    const joinRooms: number[] = [];
    const roomsPerRound: number[] = [];

    const fills: GatewayBenchReport['fills'] = {};
    const fill = async (name: string, concertId: number, count: number, pool: number) => {
      log(`  filling ${formatNumber(count)} waiting tokens (${name})…`);
      const r = await fillWaitingRoom(queue, {
        concertId,
        firstUserId: 1,
        count,
        inFlight: opts.fillInFlight,
        keep: pickEvenly(count, pool),
      });
      fills[name] = {
        tokens: count,
        seconds: round(r.seconds),
        joinsPerSecond: Math.round(count / r.seconds),
      };
      return r.kept.map((u) => codec.signToken({ concertId, userId: u.userId, tokenId: u.tokenId }));
    };

    // The short queue, then the long one with used_memory around its fill and again with its event
    // stream trimmed. Polled tokens are spread evenly through each queue, the same number in both.
    const smallTokens = await fill('small', ROOMS.small, opts.smallWaiting, opts.pollPool);
    const bigKeys = queue.keys.room(ROOMS.big);
    const usedMemoryBefore = await readUsedMemory(redis);
    const bigTokens = await fill('big', ROOMS.big, opts.bigWaiting, opts.pollPool);
    const usedMemoryAfterFill = await readUsedMemory(redis);
    const keyBytes: Record<string, number> = {};
    for (const name of ['line', 'users', 'buckets', 'events', 'room', 'seq'] as const) {
      keyBytes[name] = await readKeyMemory(redis, bigKeys[name]);
    }
    await redis.xtrim(bigKeys.events, 'MAXLEN', 0);
    const usedMemoryAfterTrim = await readUsedMemory(redis);

    // The HTTP runs, in rounds.
    const observed = { servers: [bareServer, gateway, limitedGateway], redis };
    const load = {
      durationSeconds: opts.durationSeconds,
      warmupSeconds: opts.warmupSeconds,
      connections: opts.connections,
      pipelining: opts.pipelining,
    };
    const loads: Record<LoadName, MeasuredLoad[]> = {
      bare: [],
      join: [],
      pollSmall: [],
      pollBig: [],
      pollLimited: [],
    };
    const poll = async (
      title: string,
      concertId: number,
      tokens: string[],
      waiting: number,
      server: ServerProcess = gateway,
    ) => {
      const r = await measureLoad(
        {
          ...load,
          title,
          url: `${server.url}/v1/queue/status`,
          plan: { module: at('plans/gateway-poll.ts'), args: { tokens } },
        },
        { ...observed, counters: () => readPollAnswers(server.url) },
      );
      assertStatuses(r, [200]);
      // Every polled token must still be WAITING: an EXPIRED answer takes a cheaper path.
      const stats = await queue.readRoomStats(concertId);
      if (stats?.waiting !== waiting) {
        throw new Error(`${title}: ${stats?.waiting} waiting after the run, expected ${waiting}`);
      }
      // The gateway's own count of the polls of the measured run its replica answered: after a
      // warm-up it must be nearly all (a poll Redis answers is another path, with a round trip).
      const fromReplica = r.counters?.replica ?? 0;
      const fromRedis = r.counters?.redis ?? 0;
      const replicaShare = fromReplica / Math.max(1, fromReplica + fromRedis);
      if (opts.warmupSeconds > 0 && replicaShare < 0.99) {
        throw new Error(
          `${title}: the replica answered ${fromReplica} polls and Redis ${fromRedis}: not the replica's path`,
        );
      }
      return r;
    };
    /** Round r's joins, into fresh rooms: enough for every join it can send; each user joins each room once. */
    const measureJoins = async (r: number, bare: MeasuredLoad) => {
      const budget =
        JOIN_BUDGET_VS_BARE * bare.requestsPerSecond * (opts.warmupSeconds + opts.durationSeconds) +
        opts.connections * opts.pipelining;
      const roomsNeeded = Math.ceil(budget / opts.joinUsers);
      if (roomsNeeded > MAX_JOIN_ROOMS) {
        throw new Error(
          `join #${r}: ${roomsNeeded} rooms needed, at most ${MAX_JOIN_ROOMS}: raise --join-users`,
        );
      }
      const concertIds = Array.from(
        { length: roomsNeeded },
        (_, i) => JOIN_ROOM_BASE + (r - 1) * MAX_JOIN_ROOMS + i,
      );
      for (const c of concertIds) await openRoomOverHttp(gateway.url, adminKey, c, MEASURED_ROOM);
      joinRooms.push(...concertIds);
      roomsPerRound.push(concertIds.length);
      const join = await measureLoad(
        {
          ...load,
          title: `join #${r}`,
          url: `${gateway.url}/v1/queue/tokens`,
          plan: { module: at('plans/gateway-join.ts'), args: { concertIds, tokens: userTokens } },
        },
        observed,
      );
      assertStatuses(join, [201]);
      loads.join.push(join);
    };
    for (let r = 1; r <= opts.rounds; r++) {
      log(
        `  round ${r}/${opts.rounds}: bare route, ${opts.isJoinSkipped ? '' : 'join, '}poll (${formatNumber(opts.smallWaiting)}), ` +
          `poll (${formatNumber(opts.bigWaiting)}), poll (${formatNumber(opts.smallWaiting)}, rate limit on)…`,
      );
      const bare = await measureLoad(
        {
          ...load,
          title: `bare route #${r}`,
          url: `${bareServer.url}/bare`,
          plan: { module: at('plans/get.ts') },
        },
        observed,
      );
      assertStatuses(bare, [200]);
      loads.bare.push(bare);

      if (!opts.isJoinSkipped) await measureJoins(r, bare);
      loads.pollSmall.push(
        await poll(
          `poll ${formatNumber(opts.smallWaiting)} #${r}`,
          ROOMS.small,
          smallTokens,
          opts.smallWaiting,
        ),
      );
      loads.pollBig.push(
        await poll(`poll ${formatNumber(opts.bigWaiting)} #${r}`, ROOMS.big, bigTokens, opts.bigWaiting),
      );
      loads.pollLimited.push(
        await poll(
          `poll ${formatNumber(opts.smallWaiting)}, rate limit on #${r}`,
          ROOMS.small,
          smallTokens,
          opts.smallWaiting,
          limitedGateway,
        ),
      );
    }
    await Promise.all([bareServer, gateway, limitedGateway].map((s) => s.stop()));
    running.length = 0;
    // Free the queues (UNLINK, off the main thread) before the promoter's fill.
    for (const c of [ROOMS.big, ROOMS.small, ...joinRooms]) await queue.closeRoom(c);

    // Promoter throughput: drain a queue through promoteRoom, limited by nothing but its own speed.
    await queue.openRoom(ROOMS.promote, PROMOTE_ROOM, PROMOTE_ROOM);
    await fill('promote', ROOMS.promote, opts.promoteWaiting, 0);
    log(
      `  promoter: draining ${formatNumber(opts.promoteWaiting)} tokens in batches of ${formatNumber(opts.promoteBatch)}…`,
    );
    const promoter = await drainRoom(redis, queue, ROOMS.promote, opts.promoteWaiting, opts.promoteBatch);

    // redis-benchmark, on keys under this run's prefix.
    log('  redis-benchmark ZADD…');
    const zadd = await redisBenchmark({
      url: opts.redisUrl,
      command: ['ZADD', `${prefix}rb:zadd`, '__rand_int__', 'member:__rand_int__'],
      requests: opts.redisRequests,
      clients: 50,
      keyspace: 1_000_000,
    });
    const zrankKey = `${prefix}rb:zrank`;
    await populateZset(redis, zrankKey, opts.bigWaiting);
    const bareZsetBytesPerMember = (await readKeyMemory(redis, zrankKey)) / opts.bigWaiting;
    log(`  redis-benchmark ZRANK on a ${formatNumber(opts.bigWaiting)}-member ZSET…`);
    const zrank = await redisBenchmark({
      url: opts.redisUrl,
      command: ['ZRANK', zrankKey, '__rand_int__'],
      requests: opts.redisRequests,
      clients: 50,
      keyspace: opts.bigWaiting,
    });

    const memory = {
      tokens: opts.bigWaiting,
      usedMemoryBefore,
      usedMemoryAfterFill,
      usedMemoryAfterTrim,
      keyBytes,
      bareZsetBytesPerMember: round(bareZsetBytesPerMember, 1),
    };
    const figures = buildFigures(opts, loads, memory, promoter, { zadd, zrank }).filter(
      (f) => !(opts.isJoinSkipped && f.id.startsWith('join.')),
    );
    const runsUsed = Object.fromEntries(
      (Object.keys(loads) as LoadName[]).map((k) => [
        k,
        pickQuietRuns(loads[k], opts.maxOtherCores).map((r) => r.title),
      ]),
    ) as Record<LoadName, string[]>;
    const markdown = [
      renderMarkdownTable(figures),
      '',
      `HTTP figures are medians over the quiet runs (other processes ≤ ${opts.maxOtherCores} cores), ` +
        `or over all runs of a kind when none was quiet: ${(Object.keys(loads) as LoadName[])
          .map((k) => `${k} ${runsUsed[k].length}/${loads[k].length}`)
          .join(', ')}.`,
      '',
      renderCpuTable(
        [...loads.bare, ...loads.join, ...loads.pollSmall, ...loads.pollBig, ...loads.pollLimited],
        opts.maxOtherCores,
      ),
    ].join('\n');
    return {
      bench: 'gateway',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: describeMachine(),
      options: opts,
      figures,
      loads,
      runsUsed,
      fills,
      joinUsers: { tokens: opts.joinUsers, signSeconds, roomsPerRound },
      memory,
      promoter,
      redisBenchmark: { zadd, zrank },
      markdown,
    };
  } finally {
    unregister();
    await cleanUp();
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** The gateway's `queue_poll_answers_total` by source, from its /metrics. */
async function readPollAnswers(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = { replica: 0, redis: 0 };
  for (const m of text.matchAll(/^queue_poll_answers_total\{source="(\w+)"\} (\d+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Calls promoteRoom until the room is empty; bounded in calls and in time. */
async function drainRoom(
  redis: Redis,
  queue: QueueCore,
  concertId: number,
  tokens: number,
  batchMax: number,
): Promise<GatewayBenchReport['promoter']> {
  const maxCalls = Math.ceil(tokens / batchMax) * 2 + 10;
  const callMs: number[] = [];
  let admitted = 0;
  const cpuBefore = await readRedisCpuSeconds(redis);
  const started = performance.now();
  for (let i = 0; i < maxCalls; i++) {
    const t0 = performance.now();
    const r = await queue.promoteRoom(concertId, batchMax);
    callMs.push(performance.now() - t0);
    admitted += r.admitted;
    if (r.waiting === 0 || r.admitted === 0) break;
    if (performance.now() - started > 120_000) throw new Error('promoter drain: over 120 s');
  }
  const seconds = (performance.now() - started) / 1000;
  const redisCores = ((await readRedisCpuSeconds(redis)) - cpuBefore) / seconds;
  if (admitted !== tokens) throw new Error(`promoter drain: admitted ${admitted} of ${tokens}`);
  callMs.sort((a, b) => a - b);
  return {
    tokens,
    batchMax,
    calls: callMs.length,
    seconds: round(seconds, 3),
    admissionsPerSecond: Math.round(admitted / seconds),
    callMs: { p50: round(median(callMs), 2), max: round(callMs[callMs.length - 1]!, 2) },
    redisCores: round(redisCores, 2),
  };
}

/** A ZSET of `count` members named as redis-benchmark's `__rand_int__` expands (12 digits), score = index. */
async function populateZset(redis: Redis, key: string, count: number): Promise<void> {
  const PER_COMMAND = 1000;
  const IN_FLIGHT = 20;
  let next = 0;
  async function lane() {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + PER_COMMAND);
      const args: (string | number)[] = [];
      for (let i = from; i < next; i++) args.push(i, String(i).padStart(12, '0'));
      await redis.zadd(key, ...args);
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

function buildFigures(
  opts: GatewayBenchOptions,
  loads: GatewayBenchReport['loads'],
  memory: GatewayBenchReport['memory'],
  promoter: GatewayBenchReport['promoter'],
  rb: GatewayBenchReport['redisBenchmark'],
): Figure[] {
  const used = (name: LoadName) => pickQuietRuns(loads[name], opts.maxOtherCores);
  const rps = (name: LoadName) => median(used(name).map((r) => r.requestsPerSecond));
  const lat = (name: LoadName, p: 'p50' | 'p99') => median(used(name).map((r) => r.latencyMs[p]));
  const small = formatNumber(opts.smallWaiting);
  const big = formatNumber(opts.bigWaiting);
  const bareRps = { label: 'bare route', value: rps('bare'), unit: 'req/s' };
  const vsBare = (id: string, label: string, name: LoadName, p: 'p50' | 'p99') =>
    figure({
      id,
      label,
      value: lat(name, p),
      unit: 'ms',
      baseline: { label: `bare route ${p}`, value: lat('bare', p), unit: 'ms' },
    });
  const perToken = (bytes: number) => bytes / memory.tokens;
  const bareZset = { label: 'bare ZSET member', value: memory.bareZsetBytesPerMember, unit: 'B' };
  return [
    figure({
      id: 'bare.rps',
      label: 'bare Fastify route',
      value: rps('bare'),
      unit: 'req/s',
      note: 'the baseline',
    }),
    figure({ id: 'bare.p50', label: 'bare route p50', value: lat('bare', 'p50'), unit: 'ms' }),
    figure({ id: 'bare.p99', label: 'bare route p99', value: lat('bare', 'p99'), unit: 'ms' }),
    figure({
      id: 'join.rps',
      label: 'join (POST /v1/queue/tokens)',
      value: rps('join'),
      unit: 'req/s',
      baseline: bareRps,
      target: { on: 'ratio', op: '>=', threshold: 0.4 },
    }),
    vsBare('join.p50', 'join p50', 'join', 'p50'),
    vsBare('join.p99', 'join p99', 'join', 'p99'),
    figure({
      id: 'poll.rps',
      label: `poll (GET /v1/queue/status), ${small} waiting`,
      value: rps('pollSmall'),
      unit: 'req/s',
      baseline: bareRps,
      target: { on: 'ratio', op: '>=', threshold: 0.8 },
    }),
    vsBare('poll.p50', `poll p50, ${small} waiting`, 'pollSmall', 'p50'),
    vsBare('poll.p99', `poll p99, ${small} waiting`, 'pollSmall', 'p99'),
    figure({
      id: 'pollLimited.rps',
      label: `poll, ${small} waiting, rate limit on (never reached)`,
      value: rps('pollLimited'),
      unit: 'req/s',
      baseline: bareRps,
    }),
    figure({
      id: 'pollBig.rps',
      label: `poll, ${big} waiting`,
      value: rps('pollBig'),
      unit: 'req/s',
      baseline: bareRps,
    }),
    figure({
      id: 'pollBig.p50',
      label: `poll p50, ${big} waiting`,
      value: lat('pollBig', 'p50'),
      unit: 'ms',
      baseline: { label: `poll p50, ${small} waiting`, value: lat('pollSmall', 'p50'), unit: 'ms' },
    }),
    figure({
      id: 'pollBig.p99',
      label: `poll p99, ${big} waiting`,
      value: lat('pollBig', 'p99'),
      unit: 'ms',
      baseline: { label: `poll p99, ${small} waiting`, value: lat('pollSmall', 'p99'), unit: 'ms' },
      target: { on: 'ratio', op: '<=', threshold: 1.5 },
    }),
    figure({
      id: 'memory.withStream',
      label: 'Redis memory per waiting token, join events kept in the stream',
      value: perToken(memory.usedMemoryAfterFill - memory.usedMemoryBefore),
      unit: 'B',
      baseline: bareZset,
      target: { on: 'value', op: '<=', threshold: 64 },
      note: 'INFO memory used_memory after the fill minus before, over the tokens',
    }),
    figure({
      id: 'memory.streamTrimmed',
      label: 'Redis memory per waiting token, stream trimmed',
      value: perToken(memory.usedMemoryAfterTrim - memory.usedMemoryBefore),
      unit: 'B',
      baseline: bareZset,
      target: { on: 'value', op: '<=', threshold: 64 },
      note: 'the same after XTRIM MAXLEN 0 of the room stream',
    }),
    figure({
      id: 'promoter.admissionsPerSecond',
      label: `promoter, ${formatNumber(promoter.tokens)} waiting, batches of ${formatNumber(promoter.batchMax)}`,
      value: promoter.admissionsPerSecond,
      unit: 'admissions/s',
      baseline: { label: 'redis-benchmark ZADD', value: rb.zadd.requestsPerSecond, unit: 'ops/s' },
      target: { on: 'value', op: '>=', threshold: 50_000 },
    }),
    figure({
      id: 'promoter.callMs',
      label: 'promoter, one promoteRoom call (Redis runs nothing else meanwhile), p50',
      value: promoter.callMs.p50,
      unit: 'ms',
    }),
    figure({
      id: 'redis.zadd.rps',
      label: 'redis-benchmark ZADD, 1 random member (of 1,000,000) per call',
      value: rb.zadd.requestsPerSecond,
      unit: 'ops/s',
    }),
    figure({
      id: 'redis.zadd.p99',
      label: 'redis-benchmark ZADD p99',
      value: rb.zadd.latencyMs.p99,
      unit: 'ms',
    }),
    figure({
      id: 'redis.zrank.rps',
      label: `redis-benchmark ZRANK, ${big}-member ZSET`,
      value: rb.zrank.requestsPerSecond,
      unit: 'ops/s',
    }),
    figure({
      id: 'redis.zrank.p99',
      label: 'redis-benchmark ZRANK p99',
      value: rb.zrank.latencyMs.p99,
      unit: 'ms',
    }),
  ];
}

async function main() {
  installInterruptHandler();
  const opts = readGatewayBenchOptions(process.argv.slice(2), process.env);
  const report = await runGatewayBench(opts);
  const file = writeJsonReport(opts.outDir, 'gateway', report, new Date(report.startedAt));
  console.log(report.markdown);
  console.log(`\nJSON: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
