/**
 * bench:gateway — join and poll throughput of the queue-gateway, poll latency against the queue's
 * length, Redis memory per waiting token and promoter throughput, each beside a baseline measured in
 * the same run (a bare Fastify route, redis-benchmark). See bench/README.md.
 *
 *   pnpm --filter @concert/bench bench:gateway [--duration 10] [--connections 50] [--rounds 2] [--tiny] …
 */
import type { RoomConfig } from '@concert/queue-core';
import { round } from '@concert/testing';
import type { ServerProcess } from './lib/child.ts';
import {
  assertStatuses,
  type MeasuredLoad,
  measure,
  measureBare,
  type Observed,
  timed,
} from './lib/measure.ts';
import { fillWaitingRoom, openRoomOverHttp, pickEvenly, signUserTokens } from './lib/queue.ts';
import { readKeyMemory, readRedisCpuSeconds, readUsedMemory, redisBenchmark } from './lib/redis.ts';
import {
  describeMachine,
  type Figure,
  figure,
  formatNumber,
  median,
  medians,
  renderCpuTable,
  renderMarkdownTable,
} from './lib/report.ts';
import { type Log, openSession, readOptions, runCli, type Session, type Spec } from './lib/runner.ts';

const SPEC = {
  /** The short queue and the long one whose poll p99s are compared. */
  smallWaiting: { default: 1_000, tiny: 200, min: 1 },
  bigWaiting: { default: 1_000_000, tiny: 2_000, min: 1 },
  /** Tokens polled in turn, spread evenly through the queue. */
  pollPool: { default: 1_000, tiny: 200, min: 1 },
  /** Waiting tokens the promoter drains, and its batch size per promoteRoom call. */
  promoteWaiting: { default: 200_000, tiny: 2_000, min: 1 },
  promoteBatch: { default: 10_000, tiny: 500, min: 1 },
  /** Requests of each redis-benchmark run. */
  redisRequests: { default: 200_000, tiny: 2_000, min: 1 },
  /** Joins in flight while filling a room. */
  fillInFlight: { default: 1_000, min: 1 },
  /** User tokens signed before the rounds; each round's joins use them over as many rooms as it needs. */
  joinUsers: { default: 20_000, tiny: 2_000, min: 1 },
  /** RATE_LIMIT_MAX of a second gateway whose polls are measured too: the limiter counts, never refuses. */
  rateLimitMax: { default: 2_000_000_000, min: 1 },
  /** No join runs (a profile of the polls alone); the join figures are left out. */
  isJoinSkipped: { flag: 'skip-joins', default: false },
} as const satisfies Spec;

export type GatewayBenchOptions = ReturnType<typeof readGatewayBenchOptions>;

export function readGatewayBenchOptions(argv: readonly string[], env: Record<string, string | undefined>) {
  const opts = readOptions(SPEC, argv, env);
  if (opts.smallWaiting > opts.bigWaiting) throw new Error('--small-waiting must not exceed --big-waiting');
  return opts;
}

/** One concert per purpose, so that no measurement sees another's tokens (joins: JOIN_ROOM_BASE on). */
const ROOMS = { small: 2, big: 3, promote: 4 } as const;
/** Each round's join rooms are concerts JOIN_ROOM_BASE + (round - 1) * MAX_JOIN_ROOMS + 0, 1, … */
const [JOIN_ROOM_BASE, MAX_JOIN_ROOMS] = [1_000, 1_000];
/** Joins a round may send, as a multiple of its bare route's rate: a join never reaches 1×; 2× is room for a slow bare run. */
const JOIN_BUDGET_VS_BARE = 2;
const BIG = 1_000_000_000;
/** Rooms under measurement: nobody idles out during a long fill, nothing caps the queue. */
const MEASURED_ROOM: RoomConfig = {
  maxActive: 500,
  admitPerSecond: 50,
  activeTtlSeconds: 600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: BIG,
};
/** The promoter's room: only its own speed limits it. */
const PROMOTE_ROOM: RoomConfig = {
  maxActive: BIG,
  admitPerSecond: BIG,
  activeTtlSeconds: 3_600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: BIG,
};

type LoadName = 'bare' | 'join' | 'pollSmall' | 'pollBig' | 'pollLimited';
type Fills = Record<string, { tokens: number; seconds: number; joinsPerSecond: number }>;

/** Fills a room through the real join script, and signs the queue tokens of `pool` evenly spread waiters. */
async function fill(
  s: Session,
  opts: GatewayBenchOptions,
  fills: Fills,
  name: string,
  concertId: number,
  count: number,
  pool: number,
  log: Log,
) {
  log(`  filling ${formatNumber(count)} waiting tokens (${name})…`);
  const keep = pickEvenly(count, pool);
  const r = await fillWaitingRoom(s.queue, {
    concertId,
    firstUserId: 1,
    count,
    inFlight: opts.fillInFlight,
    keep,
  });
  fills[name] = {
    tokens: count,
    seconds: round(r.seconds, 2)!,
    joinsPerSecond: Math.round(count / r.seconds),
  };
  return r.kept.map((u) => s.codec.signToken({ concertId, userId: u.userId, tokenId: u.tokenId }));
}

/** The short queue, then the long one with used_memory around its fill and again with its event stream trimmed. */
async function fillQueues(s: Session, opts: GatewayBenchOptions, fills: Fills, log: Log) {
  const smallTokens = await fill(s, opts, fills, 'small', ROOMS.small, opts.smallWaiting, opts.pollPool, log);
  const keys = s.queue.keys.room(ROOMS.big);
  const usedMemoryBefore = await readUsedMemory(s.redis);
  const bigTokens = await fill(s, opts, fills, 'big', ROOMS.big, opts.bigWaiting, opts.pollPool, log);
  const usedMemoryAfterFill = await readUsedMemory(s.redis);
  const keyBytes: Record<string, number> = {};
  for (const k of ['line', 'users', 'buckets', 'events', 'room', 'seq'] as const)
    keyBytes[k] = await readKeyMemory(s.redis, keys[k]);
  await s.redis.xtrim(keys.events, 'MAXLEN', 0);
  const memory = {
    tokens: opts.bigWaiting,
    usedMemoryBefore,
    usedMemoryAfterFill,
    usedMemoryAfterTrim: await readUsedMemory(s.redis),
    keyBytes,
  };
  return { smallTokens, bigTokens, memory };
}

/** The gateway's `queue_poll_answers_total` by source, from its /metrics. */
async function readPollAnswers(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = { replica: 0, redis: 0 };
  for (const m of text.matchAll(/^queue_poll_answers_total\{source="(\w+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

interface Servers {
  bare: ServerProcess;
  gateway: ServerProcess;
  limited: ServerProcess;
}

/** Polls of `tokens`; every one must still be WAITING after, and (after a warm-up) nearly all answered by the replica. */
async function measurePolls(
  s: Session,
  opts: GatewayBenchOptions,
  observed: Observed,
  title: string,
  concertId: number,
  tokens: string[],
  waiting: number,
  server: ServerProcess,
) {
  const load = {
    ...timed(opts),
    title,
    url: `${server.url}/v1/queue/status`,
    plan: { name: 'poll' as const, args: { tokens } },
  };
  const r = await measure(load, { ...observed, counters: () => readPollAnswers(server.url) });
  assertStatuses(r, [200]);
  // An EXPIRED answer would take a cheaper path.
  const stats = await s.queue.readRoomStats(concertId);
  if (stats?.waiting !== waiting)
    throw new Error(`${title}: ${stats?.waiting} waiting after the run, expected ${waiting}`);
  // A poll Redis answers is another path, with a round trip.
  const [replica, redis] = [r.counters?.replica ?? 0, r.counters?.redis ?? 0];
  if (opts.warmupSeconds > 0 && replica / Math.max(1, replica + redis) < 0.99)
    throw new Error(
      `${title}: the replica answered ${replica} polls and Redis ${redis}: not the replica's path`,
    );
  return r;
}

/** Round r's joins, into fresh rooms: enough for every join it can send; each user joins each room once. */
async function measureJoins(
  s: Session,
  opts: GatewayBenchOptions,
  observed: Observed,
  servers: Servers,
  r: number,
  bare: MeasuredLoad,
  tokens: string[],
) {
  const budget =
    JOIN_BUDGET_VS_BARE * bare.requestsPerSecond * (opts.warmupSeconds + opts.durationSeconds) +
    opts.connections * opts.pipelining;
  const rooms = Math.ceil(budget / opts.joinUsers);
  if (rooms > MAX_JOIN_ROOMS)
    throw new Error(`join #${r}: ${rooms} rooms needed, at most ${MAX_JOIN_ROOMS}: raise --join-users`);
  const concertIds = Array.from({ length: rooms }, (_, i) => JOIN_ROOM_BASE + (r - 1) * MAX_JOIN_ROOMS + i);
  for (const c of concertIds) await openRoomOverHttp(servers.gateway.url, s.adminKey, c, MEASURED_ROOM);
  const load = { ...timed(opts), title: `join #${r}`, url: `${servers.gateway.url}/v1/queue/tokens` };
  const join = await measure({ ...load, plan: { name: 'join', args: { concertIds, tokens } } }, observed);
  assertStatuses(join, [201]);
  return { join, concertIds };
}

/** Calls promoteRoom until the room is empty; bounded in calls and in time. */
async function drainRoom(s: Session, tokens: number, batchMax: number) {
  const callMs: number[] = [];
  let admitted = 0;
  const cpuBefore = await readRedisCpuSeconds(s.redis);
  const started = performance.now();
  for (let i = 0; i < Math.ceil(tokens / batchMax) * 2 + 10; i++) {
    const t0 = performance.now();
    const r = await s.queue.promoteRoom(ROOMS.promote, batchMax);
    callMs.push(performance.now() - t0);
    admitted += r.admitted;
    if (r.waiting === 0 || r.admitted === 0) break;
    if (performance.now() - started > 120_000) throw new Error('promoter drain: over 120 s');
  }
  const seconds = (performance.now() - started) / 1000;
  const redisCores = ((await readRedisCpuSeconds(s.redis)) - cpuBefore) / seconds;
  if (admitted !== tokens) throw new Error(`promoter drain: admitted ${admitted} of ${tokens}`);
  return {
    tokens,
    batchMax,
    calls: callMs.length,
    seconds: round(seconds, 3)!,
    admissionsPerSecond: Math.round(admitted / seconds),
    /** Each promoteRoom call's round trip: Redis runs nothing else meanwhile. */
    callMs: { p50: round(median(callMs), 2)!, max: round(Math.max(...callMs), 2)! },
    redisCores: round(redisCores, 2)!,
  };
}

/** redis-benchmark ZADD, and ZRANK on a ZSET of `bigWaiting` members named as `__rand_int__` expands (12 digits). */
async function runRedisBenchmarks(s: Session, opts: GatewayBenchOptions, log: Log) {
  log('  redis-benchmark ZADD…');
  const zadd = await redisBenchmark(
    opts.redisUrl,
    ['ZADD', `${s.prefix}rb:zadd`, '__rand_int__', 'member:__rand_int__'],
    opts.redisRequests,
    1_000_000,
  );
  const key = `${s.prefix}rb:zrank`;
  for (let from = 0; from < opts.bigWaiting; from += 20_000) {
    const lanes = Array.from({ length: 20 }, (_, l) => from + l * 1000).filter((f) => f < opts.bigWaiting);
    await Promise.all(
      lanes.map((f) => {
        const members = Array.from({ length: Math.min(1000, opts.bigWaiting - f) }, (_, i) => [
          f + i,
          String(f + i).padStart(12, '0'),
        ]);
        return s.redis.zadd(key, ...members.flat());
      }),
    );
  }
  const bareZsetBytesPerMember = round((await readKeyMemory(s.redis, key)) / opts.bigWaiting, 1)!;
  log(`  redis-benchmark ZRANK on a ${formatNumber(opts.bigWaiting)}-member ZSET…`);
  const zrank = await redisBenchmark(
    opts.redisUrl,
    ['ZRANK', key, '__rand_int__'],
    opts.redisRequests,
    opts.bigWaiting,
  );
  return { redisBenchmark: { zadd, zrank }, bareZsetBytesPerMember };
}

export async function runGatewayBench(opts: GatewayBenchOptions, log: Log = (l) => console.error(l)) {
  const startedAt = new Date();
  const s = await openSession('gateway', opts, log);
  log(
    `bench:gateway: prefix ${s.prefix}; ${opts.rounds} round(s) of ${opts.warmupSeconds}+${opts.durationSeconds} s runs, ` +
      `${opts.connections} connections, pipelining ${opts.pipelining}`,
  );
  try {
    // The baseline; the gateway with the promoter off, so that nobody's position moves while it is
    // measured; the same with the rate limiter on, as production runs it (its limit is never reached).
    const env = { ...s.env, PROMOTER_ENABLED: 'false' };
    const servers: Servers = {
      bare: await s.start('bare', 'bare'),
      gateway: await s.start('gateway', 'gateway', env),
      limited: await s.start('gateway-rate-limited', 'gateway', {
        ...env,
        RATE_LIMIT_MAX: String(opts.rateLimitMax),
        RATE_LIMIT_WINDOW_SECONDS: '60',
      }),
    };
    for (const c of [ROOMS.small, ROOMS.big])
      await openRoomOverHttp(servers.gateway.url, s.adminKey, c, MEASURED_ROOM);

    // The joining users' tokens, issued before the load as by an identity provider at login.
    const t0 = performance.now();
    const userTokens = await signUserTokens(s.authSecret, 1, opts.joinUsers, 24 * 3600);
    const signSeconds = round((performance.now() - t0) / 1000, 2)!;
    log(`  signed ${formatNumber(opts.joinUsers)} user tokens in ${signSeconds} s`);

    const fills: Fills = {};
    const { smallTokens, bigTokens, memory } = await fillQueues(s, opts, fills, log);
    const observed = { servers: Object.values(servers), redis: s.redis };
    const loads: Record<LoadName, MeasuredLoad[]> = {
      bare: [],
      join: [],
      pollSmall: [],
      pollBig: [],
      pollLimited: [],
    };
    const joinRooms: number[] = [];
    const roomsPerRound: number[] = [];
    const [small, big] = [formatNumber(opts.smallWaiting), formatNumber(opts.bigWaiting)];
    for (let r = 1; r <= opts.rounds; r++) {
      log(
        `  round ${r}/${opts.rounds}: bare route, ${opts.isJoinSkipped ? '' : 'join, '}poll (${small}), poll (${big}), poll (${small}, rate limit on)…`,
      );
      const bare = await measureBare(opts, servers.bare, r, observed);
      loads.bare.push(bare);
      if (!opts.isJoinSkipped) {
        const { join, concertIds } = await measureJoins(s, opts, observed, servers, r, bare, userTokens);
        loads.join.push(join);
        joinRooms.push(...concertIds);
        roomsPerRound.push(concertIds.length);
      }
      const polls = (title: string, c: number, tokens: string[], waiting: number, server = servers.gateway) =>
        measurePolls(s, opts, observed, `${title} #${r}`, c, tokens, waiting, server);
      loads.pollSmall.push(await polls(`poll ${small}`, ROOMS.small, smallTokens, opts.smallWaiting));
      loads.pollBig.push(await polls(`poll ${big}`, ROOMS.big, bigTokens, opts.bigWaiting));
      loads.pollLimited.push(
        await polls(
          `poll ${small}, rate limit on`,
          ROOMS.small,
          smallTokens,
          opts.smallWaiting,
          servers.limited,
        ),
      );
    }
    await s.stopServers();
    // Free the queues (UNLINK, off the main thread) before the promoter's fill.
    for (const c of [ROOMS.big, ROOMS.small, ...joinRooms]) await s.queue.closeRoom(c);

    // Promoter throughput: drain a queue through promoteRoom, limited by nothing but its own speed.
    await s.queue.openRoom(ROOMS.promote, PROMOTE_ROOM, PROMOTE_ROOM);
    await fill(s, opts, fills, 'promote', ROOMS.promote, opts.promoteWaiting, 0, log);
    log(
      `  promoter: draining ${formatNumber(opts.promoteWaiting)} tokens in batches of ${formatNumber(opts.promoteBatch)}…`,
    );
    const promoter = await drainRoom(s, opts.promoteWaiting, opts.promoteBatch);
    const { redisBenchmark, bareZsetBytesPerMember } = await runRedisBenchmarks(s, opts, log);
    const report = { memory: { ...memory, bareZsetBytesPerMember }, promoter, redisBenchmark };
    const m = medians(loads, opts.maxOtherCores);
    const figures = buildFigures(opts, m, report).filter(
      (f) => !(opts.isJoinSkipped && f.id.startsWith('join.')),
    );
    const markdown = [
      renderMarkdownTable(figures),
      '',
      `HTTP figures are ${m.note}`,
      '',
      renderCpuTable(Object.values(loads).flat(), opts.maxOtherCores),
    ];
    return {
      bench: 'gateway' as const,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: describeMachine(),
      options: opts,
      figures,
      loads,
      runsUsed: m.runsUsed,
      fills,
      joinUsers: { tokens: opts.joinUsers, signSeconds, roomsPerRound },
      ...report,
      markdown: markdown.join('\n'),
    };
  } finally {
    await s.close();
  }
}

type Report = {
  memory: Awaited<ReturnType<typeof fillQueues>>['memory'] & { bareZsetBytesPerMember: number };
} & {
  promoter: Awaited<ReturnType<typeof drainRoom>>;
  redisBenchmark: Awaited<ReturnType<typeof runRedisBenchmarks>>['redisBenchmark'];
};

function buildFigures(
  opts: GatewayBenchOptions,
  { rps, lat }: ReturnType<typeof medians<LoadName>>,
  { memory, promoter, redisBenchmark: rb }: Report,
): Figure[] {
  const [small, big] = [formatNumber(opts.smallWaiting), formatNumber(opts.bigWaiting)];
  const bareRps = { label: 'bare route', value: rps('bare'), unit: 'req/s' };
  const speed = (id: string, label: string, name: LoadName, threshold?: number) =>
    figure(id, label, rps(name), 'req/s', {
      baseline: bareRps,
      ...(threshold ? { target: { on: 'ratio', op: '>=', threshold } } : {}),
    });
  const latency = (
    id: string,
    label: string,
    name: LoadName,
    p: 'p50' | 'p99',
    base: LoadName = 'bare',
    threshold?: number,
  ) =>
    figure(id, label, lat(name, p), 'ms', {
      baseline: {
        label: base === 'bare' ? `bare route ${p}` : `poll ${p}, ${small} waiting`,
        value: lat(base, p),
        unit: 'ms',
      },
      ...(threshold ? { target: { on: 'ratio', op: '<=', threshold } } : {}),
    });
  const perToken = (bytes: number) => bytes / memory.tokens;
  const zset = {
    baseline: { label: 'bare ZSET member', value: memory.bareZsetBytesPerMember, unit: 'B' },
    target: { on: 'value', op: '<=', threshold: 64 },
  } as const;
  return [
    figure('bare.rps', 'bare Fastify route', rps('bare'), 'req/s', { note: 'the baseline' }),
    figure('bare.p50', 'bare route p50', lat('bare', 'p50'), 'ms'),
    figure('bare.p99', 'bare route p99', lat('bare', 'p99'), 'ms'),
    speed('join.rps', 'join (POST /v1/queue/tokens)', 'join', 0.4),
    latency('join.p50', 'join p50', 'join', 'p50'),
    latency('join.p99', 'join p99', 'join', 'p99'),
    speed('poll.rps', `poll (GET /v1/queue/status), ${small} waiting`, 'pollSmall', 0.8),
    latency('poll.p50', `poll p50, ${small} waiting`, 'pollSmall', 'p50'),
    latency('poll.p99', `poll p99, ${small} waiting`, 'pollSmall', 'p99'),
    speed('pollLimited.rps', `poll, ${small} waiting, rate limit on (never reached)`, 'pollLimited'),
    speed('pollBig.rps', `poll, ${big} waiting`, 'pollBig'),
    latency('pollBig.p50', `poll p50, ${big} waiting`, 'pollBig', 'p50', 'pollSmall'),
    latency('pollBig.p99', `poll p99, ${big} waiting`, 'pollBig', 'p99', 'pollSmall', 1.5),
    figure(
      'memory.withStream',
      'Redis memory per waiting token, join events kept in the stream',
      perToken(memory.usedMemoryAfterFill - memory.usedMemoryBefore),
      'B',
      {
        ...zset,
        note: 'INFO memory used_memory after the fill minus before, over the tokens',
      },
    ),
    figure(
      'memory.streamTrimmed',
      'Redis memory per waiting token, stream trimmed',
      perToken(memory.usedMemoryAfterTrim - memory.usedMemoryBefore),
      'B',
      {
        ...zset,
        note: 'the same after XTRIM MAXLEN 0 of the room stream',
      },
    ),
    figure(
      'promoter.admissionsPerSecond',
      `promoter, ${formatNumber(promoter.tokens)} waiting, batches of ${formatNumber(promoter.batchMax)}`,
      promoter.admissionsPerSecond,
      'admissions/s',
      {
        baseline: { label: 'redis-benchmark ZADD', value: rb.zadd.requestsPerSecond, unit: 'ops/s' },
        target: { on: 'value', op: '>=', threshold: 50_000 },
      },
    ),
    figure(
      'promoter.callMs',
      'promoter, one promoteRoom call (Redis runs nothing else meanwhile), p50',
      promoter.callMs.p50,
      'ms',
    ),
    figure(
      'redis.zadd.rps',
      'redis-benchmark ZADD, 1 random member (of 1,000,000) per call',
      rb.zadd.requestsPerSecond,
      'ops/s',
    ),
    figure('redis.zadd.p99', 'redis-benchmark ZADD p99', rb.zadd.latencyMs.p99, 'ms'),
    figure(
      'redis.zrank.rps',
      `redis-benchmark ZRANK, ${big}-member ZSET`,
      rb.zrank.requestsPerSecond,
      'ops/s',
    ),
    figure('redis.zrank.p99', 'redis-benchmark ZRANK p99', rb.zrank.latencyMs.p99, 'ms'),
  ];
}

await runCli(import.meta.url, 'gateway', readGatewayBenchOptions, runGatewayBench);
