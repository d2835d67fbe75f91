/**
 * bench:gateway — join and poll throughput of the queue-gateway, poll latency against the queue's
 * length, Redis memory per waiting token and promoter throughput, each beside a baseline measured in
 * the same run (a bare Fastify route, redis-benchmark). See bench/README.md.
 *
 *   pnpm --filter @concert/bench bench:gateway [--duration 10] [--connections 50] [--rounds 2] [--tiny] …
 */
import { createQueueCore, type RoomConfig } from '@concert/queue-core';
import { round } from '@concert/testing';
import type { ServerProcess } from './lib/child.ts';
import { assertStatuses, type MeasuredLoad, measure, measureBare, timed } from './lib/measure.ts';
import { fillWaitingRoom, openRoomOverHttp, pickEvenly, signUserTokens } from './lib/queue.ts';
import {
  readKeyMemory,
  readRedisCpuSeconds,
  readUsedMemory,
  redisBenchmark,
  startPrivateRedis,
} from './lib/redis.ts';
import {
  describeMachine,
  figure,
  formatNumber,
  median,
  medians,
  renderCpuTable,
  renderMarkdownTable,
} from './lib/report.ts';
import { type Log, openSession, readOptions, runCli, type Session } from './lib/runner.ts';

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
} as const;

export type GatewayBenchOptions = ReturnType<typeof readGatewayBenchOptions>;
export function readGatewayBenchOptions(argv: readonly string[], env: Record<string, string | undefined>) {
  const opts = readOptions(SPEC, argv, env);
  if (opts.smallWaiting > opts.bigWaiting) throw new Error('--small-waiting must not exceed --big-waiting');
  return opts;
}

/** One concert per purpose, so that no measurement sees another's tokens; each round's joins get fresh rooms from 1,000 on. */
const ROOMS = { small: 2, big: 3, promote: 4 } as const;
const [JOIN_ROOM_BASE, MAX_JOIN_ROOMS] = [1_000, 1_000];
/** Joins a round may send, as a multiple of its bare route's rate: a join never reaches 1×; 2× is room for a slow bare run. */
const JOIN_BUDGET_VS_BARE = 2;
const BIG = 1_000_000_000;
/** Rooms under measurement: nobody idles out during a long fill, nothing caps the queue. */
const ROOM = {
  maxActive: 500,
  admitPerSecond: 50,
  activeTtlSeconds: 600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: BIG,
};
/** The promoter's room: only its own speed limits it. */
const PROMOTE_ROOM: RoomConfig = { ...ROOM, maxActive: BIG, admitPerSecond: BIG, activeTtlSeconds: 3_600 };
const LOADS = ['bare', 'join', 'pollSmall', 'pollBig', 'pollLimited'] as const;
type LoadName = (typeof LOADS)[number];

/** The gateway's `queue_poll_answers_total` by source, from its /metrics. */
async function readPollAnswers(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = { replica: 0, redis: 0 };
  for (const m of text.matchAll(/^queue_poll_answers_total\{source="(\w+)"\} (\d+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
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
  const zaddCommand = ['ZADD', `${s.prefix}rb:zadd`, '__rand_int__', 'member:__rand_int__'];
  const zadd = await redisBenchmark(opts.redisUrl, zaddCommand, opts.redisRequests, 1_000_000);
  const key = `${s.prefix}rb:zrank`;
  // 20 ZADDs of 1,000 members at once, pipelined on the one connection.
  for (let from = 0; from < opts.bigWaiting; from += 20_000) {
    const chunks = Array.from({ length: 20 }, (_, l) => from + l * 1000).filter((f) => f < opts.bigWaiting);
    await Promise.all(
      chunks.map((f) => {
        const members = Array.from({ length: Math.min(1000, opts.bigWaiting - f) }, (_, i) => f + i);
        return s.redis.zadd(key, ...members.flatMap((m) => [m, String(m).padStart(12, '0')]));
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
  return { zadd, zrank, bareZsetBytesPerMember };
}

export async function runGatewayBench(opts: GatewayBenchOptions, log: Log = (l) => console.error(l)) {
  const startedAt = new Date();
  const s = await openSession('gateway', opts, log);
  const [small, big] = [formatNumber(opts.smallWaiting), formatNumber(opts.bigWaiting)];
  log(
    `bench:gateway: prefix ${s.prefix}; ${opts.rounds} round(s) of ${opts.warmupSeconds}+${opts.durationSeconds} s runs, ` +
      `${opts.connections} connections, pipelining ${opts.pipelining}`,
  );
  try {
    // The baseline; the gateway with the promoter off, so that nobody's position moves while it is
    // measured; the same with the rate limiter on, as production runs it (its limit is never reached).
    const env = { ...s.env, PROMOTER_ENABLED: 'false' };
    const limits = { RATE_LIMIT_MAX: String(opts.rateLimitMax), RATE_LIMIT_WINDOW_SECONDS: '60' };
    const bare = await s.start('bare', 'bare');
    const gateway = await s.start('gateway', 'gateway', env);
    const limited = await s.start('gateway-rate-limited', 'gateway', { ...env, ...limits });
    for (const c of [ROOMS.small, ROOMS.big]) await openRoomOverHttp(gateway.url, s.adminKey, c, ROOM);

    // The joining users' tokens, issued before the load as by an identity provider at login.
    const t0 = performance.now();
    const userTokens = await signUserTokens(s.authSecret, 1, opts.joinUsers, 24 * 3600);
    const signSeconds = round((performance.now() - t0) / 1000, 2)!;
    log(`  signed ${formatNumber(opts.joinUsers)} user tokens in ${signSeconds} s`);

    /** Fills a room through the real join script, and signs the queue tokens of `pool` evenly spread waiters. */
    const fills: Record<string, { tokens: number; seconds: number; joinsPerSecond: number }> = {};
    const fill = async (name: string, concertId: number, count: number, pool: number) => {
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
    };
    // The short queue, then the long one with used_memory around its fill and again with its event stream trimmed.
    const smallTokens = await fill('small', ROOMS.small, opts.smallWaiting, opts.pollPool);
    const bigTokens = await fill('big', ROOMS.big, opts.bigWaiting, opts.pollPool);
    // Memory per token: the same fill again, in a Redis of the bench's own (startPrivateRedis).
    log(`  filling ${big} waiting tokens in a private Redis, for INFO memory…`);
    const own = await startPrivateRedis();
    const { usedMemoryBefore, usedMemoryAfterFill, usedMemoryAfterTrim, keyBytes } = await (async () => {
      const queue = createQueueCore({ redis: own.redis, prefix: s.prefix });
      await queue.openRoom(ROOMS.big, ROOM, ROOM);
      const keys = queue.keys.room(ROOMS.big);
      const before = await readUsedMemory(own.redis);
      await fillWaitingRoom(queue, { concertId: ROOMS.big, firstUserId: 1, count: opts.bigWaiting });
      const afterFill = await readUsedMemory(own.redis);
      const bytes: Record<string, number> = {};
      for (const k of ['line', 'users', 'buckets', 'events', 'room', 'seq'] as const)
        bytes[k] = await readKeyMemory(own.redis, keys[k]);
      await own.redis.xtrim(keys.events, 'MAXLEN', 0);
      const afterTrim = await readUsedMemory(own.redis);
      return {
        usedMemoryBefore: before,
        usedMemoryAfterFill: afterFill,
        usedMemoryAfterTrim: afterTrim,
        keyBytes: bytes,
      };
    })().finally(() => own.stop());

    const observed = { servers: [bare, gateway, limited], redis: s.redis };
    const loads = Object.fromEntries(LOADS.map((k) => [k, [] as MeasuredLoad[]])) as Record<
      LoadName,
      MeasuredLoad[]
    >;
    const joinRooms: number[] = [];
    const roomsPerRound: number[] = [];
    /** Polls of `tokens`; every one must still be WAITING after, and (after a warm-up) nearly all answered by the replica. */
    const poll = async (
      title: string,
      concertId: number,
      tokens: string[],
      waiting: number,
      server: ServerProcess,
    ) => {
      const load = { ...timed(opts), title, url: `${server.url}/v1/queue/status` };
      const plan = { name: 'poll' as const, args: { tokens } };
      const r = await measure(
        { ...load, plan },
        { ...observed, counters: () => readPollAnswers(server.url) },
      );
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
    };
    for (let r = 1; r <= opts.rounds; r++) {
      const what = `bare route, ${opts.isJoinSkipped ? '' : 'join, '}poll (${small}), poll (${big}), poll (${small}, rate limit on)`;
      log(`  round ${r}/${opts.rounds}: ${what}…`);
      loads.bare.push(await measureBare(opts, bare, r, observed));
      if (!opts.isJoinSkipped) {
        // Fresh rooms, enough for every join the round can send; each user joins each room once.
        const { warmupSeconds, durationSeconds, connections, pipelining } = opts;
        const joinsAtMost =
          JOIN_BUDGET_VS_BARE * loads.bare.at(-1)!.requestsPerSecond * (warmupSeconds + durationSeconds);
        const rooms = Math.ceil((joinsAtMost + connections * pipelining) / opts.joinUsers);
        if (rooms > MAX_JOIN_ROOMS)
          throw new Error(`join #${r}: ${rooms} rooms needed, at most ${MAX_JOIN_ROOMS}: raise --join-users`);
        const concertIds = Array.from(
          { length: rooms },
          (_, i) => JOIN_ROOM_BASE + (r - 1) * MAX_JOIN_ROOMS + i,
        );
        for (const c of concertIds) await openRoomOverHttp(gateway.url, s.adminKey, c, ROOM);
        const load = { ...timed(opts), title: `join #${r}`, url: `${gateway.url}/v1/queue/tokens` };
        const join = await measure(
          { ...load, plan: { name: 'join', args: { concertIds, tokens: userTokens } } },
          observed,
        );
        assertStatuses(join, [201]);
        loads.join.push(join);
        joinRooms.push(...concertIds);
        roomsPerRound.push(rooms);
      }
      loads.pollSmall.push(
        await poll(`poll ${small} #${r}`, ROOMS.small, smallTokens, opts.smallWaiting, gateway),
      );
      loads.pollBig.push(await poll(`poll ${big} #${r}`, ROOMS.big, bigTokens, opts.bigWaiting, gateway));
      const limitedTitle = `poll ${small}, rate limit on #${r}`;
      loads.pollLimited.push(await poll(limitedTitle, ROOMS.small, smallTokens, opts.smallWaiting, limited));
    }
    await s.stopServers();
    // Free the queues (UNLINK, off the main thread) before the promoter's fill.
    for (const c of [ROOMS.big, ROOMS.small, ...joinRooms]) await s.queue.closeRoom(c);

    // Promoter throughput: drain a queue through promoteRoom, limited by nothing but its own speed.
    await s.queue.openRoom(ROOMS.promote, PROMOTE_ROOM, PROMOTE_ROOM);
    await fill('promote', ROOMS.promote, opts.promoteWaiting, 0);
    const batches = `${formatNumber(opts.promoteWaiting)} tokens in batches of ${formatNumber(opts.promoteBatch)}`;
    log(`  promoter: draining ${batches}…`);
    const promoter = await drainRoom(s, opts.promoteWaiting, opts.promoteBatch);
    const { bareZsetBytesPerMember, ...rb } = await runRedisBenchmarks(s, opts, log);

    const { rps, lat, runsUsed, note } = medians(loads, opts.maxOtherCores);
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
      threshold = 0,
    ) =>
      figure(id, label, lat(name, p), 'ms', {
        baseline: {
          label: base === 'bare' ? `bare route ${p}` : `poll ${p}, ${small} waiting`,
          value: lat(base, p),
          unit: 'ms',
        },
        ...(threshold ? { target: { on: 'ratio', op: '<=', threshold } } : {}),
      });
    const zset = {
      baseline: { label: 'bare ZSET member', value: bareZsetBytesPerMember, unit: 'B' },
      target: { on: 'value', op: '<=', threshold: 64 },
    } as const;
    const perToken = (after: number) => (after - usedMemoryBefore) / opts.bigWaiting;
    const figures = [
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
        perToken(usedMemoryAfterFill),
        'B',
        {
          ...zset,
          note: 'INFO memory used_memory after the fill minus before, over the tokens, in a redis-server of the bench’s own',
        },
      ),
      figure(
        'memory.streamTrimmed',
        'Redis memory per waiting token, stream trimmed',
        perToken(usedMemoryAfterTrim),
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
    ].filter((f) => !(opts.isJoinSkipped && f.id.startsWith('join.')));
    const markdown = [
      renderMarkdownTable(figures),
      '',
      `HTTP figures are ${note}`,
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
      runsUsed,
      fills,
      joinUsers: { tokens: opts.joinUsers, signSeconds, roomsPerRound },
      memory: {
        tokens: opts.bigWaiting,
        usedMemoryBefore,
        usedMemoryAfterFill,
        usedMemoryAfterTrim,
        keyBytes,
        bareZsetBytesPerMember,
      },
      promoter,
      redisBenchmark: rb,
      markdown: markdown.join('\n'),
    };
  } finally {
    await s.close();
  }
}

await runCli(import.meta.url, 'gateway', readGatewayBenchOptions, runGatewayBench);
