/**
 * bench:booking — holds a second on distinct seats, the contention case (10,000 hold requests for 50
 * seats), payments a second and the seat list of a 20,000-seat date (micro-cache on and off) of the
 * booking API, each beside baselines measured in the same run: a bare Fastify route, `SELECT 1` round
 * trips through Prisma and the raw driver with the API's pool size, and the database floor (the API's
 * hold and payment batches without HTTP). See bench/README.md.
 *
 *   pnpm --filter @concert/bench bench:booking [--rounds 3] [--holds 20000] [--pool-size 10] [--tiny] …
 */
import {
  applyMigrations,
  createPrismaClient,
  type PrismaClient,
  parseDatabaseUrl,
  replaceDatabaseName,
} from '@concert/db';
import type { RoomConfig } from '@concert/queue-core';
import { dropDatabase, mulberry32, round } from '@concert/testing';
import type { ServerProcess } from './lib/child.ts';
import {
  assertStatuses,
  findProcessPid,
  type HttpSpec,
  type MeasuredLoad,
  measure,
  measureBare,
  type Observed,
  type SqlSpec,
  timed,
} from './lib/measure.ts';
import {
  type CatalogDate,
  createConcertsOverHttp,
  readMysqlCounters,
  readMysqlPid,
  seedUsers,
} from './lib/mysql.ts';
import type { RawRequest } from './lib/plans.ts';
import { activateUsers } from './lib/queue.ts';
import { readInfo } from './lib/redis.ts';
import {
  describeMachine,
  type Figure,
  figure,
  formatNumber,
  medians,
  renderBaselinesTable,
  renderCostTable,
  renderCpuTable,
} from './lib/report.ts';
import { type Log, openSession, readOptions, runCli, type Session, type Spec } from './lib/runner.ts';

const SPEC = {
  /** Measured holds per round, each a distinct (user, seat) pair, after `holdWarmup` more. */
  holds: { default: 15_000, tiny: 200, min: 1 },
  holdWarmup: { default: 1_500, tiny: 0 },
  /** The contention case: this many hold requests, from as many distinct users, for `contentionSeats` seats. */
  contentionRequests: { default: 10_000, tiny: 500, min: 1 },
  contentionSeats: { default: 50, min: 1 },
  contentionConnections: { default: 50, tiny: 10, min: 1, follows: 'connections' },
  /** Measured payments per round, each of one distinct hold with its own token, after `paymentWarmup` more. */
  payments: { default: 8_000, tiny: 100, min: 1 },
  paymentWarmup: { default: 800, tiny: 0 },
  /** Seats of the seat list's date (GET /v1/schedules/{id}/seats, `connections` ACTIVE tokens). */
  seatListSeats: { default: 20_000, tiny: 1_500, min: 1 },
  /** Payments carry an Idempotency-Key, as the project's clients send them. */
  idempotencyKeys: { default: true },
  /** `hold`: paid in the order held (an on-sale); `spread`: consecutive payments are of different schedules. */
  paymentOrder: { default: 'hold', choices: ['hold', 'spread'] },
  /** More environment for the API process (`KEY=VALUE,KEY=VALUE`), for experiments such as SEAT_LOCK_TTL_MS. */
  apiEnv: { default: '' },
  /** DATABASE_POOL_SIZE of the API, and the pool of the SQL probe. */
  poolSize: { default: 10, min: 1 },
  /** The longest a counted run may take before it is killed. */
  maxRunSeconds: { default: 300, tiny: 60, min: 10 },
  /** The MySQL server, without a database. */
  mysqlUrl: { default: 'mysql://root@127.0.0.1:3306', env: 'TEST_DATABASE_URL' },
  /** The bench's own database is `concert_test_<databaseName>`, dropped first and at the end. */
  databaseName: { default: 'bench_booking', tiny: 'bench_booking_tiny' },
} as const satisfies Spec;

/** Seats per schedule of the distinct-seat holds (the seed's size). */
const SEATS_PER_SCHEDULE = 50;
const PRICE = 10_000;
/** Each payer's balance: enough for every hold it could pay. */
const PAYER_BALANCE = 1_000_000;
/** The variables the bench itself sets for the API; --api-env may not override them. */
const BENCH_OWNED_ENV = [
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'QUEUE_TOKEN_SECRET',
  'AUTH_JWT_SECRET',
  'ADMIN_API_KEY',
];

export type BookingBenchOptions = ReturnType<typeof readBookingBenchOptions>;

export function readBookingBenchOptions(argv: readonly string[], env: Record<string, string | undefined>) {
  const raw = readOptions(SPEC, argv, env);
  const opts = {
    ...raw,
    paymentOrder: raw.paymentOrder as 'hold' | 'spread',
    apiEnv: readApiEnv(raw.apiEnv),
  };
  for (const k of ['durationSeconds', 'rounds', 'holds', 'contentionRequests', 'payments'] as const)
    if (!Number.isInteger(opts[k])) throw new Error(`${k} must be an integer`);
  if (opts.contentionSeats > 99) throw new Error('--contention-seats must be at most 99');
  if (opts.seatListSeats > 20_000) throw new Error('--seat-list-seats must be at most 20,000 (API.md)');
  if (opts.payments + opts.paymentWarmup > opts.holds + opts.holdWarmup)
    throw new Error(
      'payments pay the holds of the same round: --payments + --payment-warmup ≤ --holds + --hold-warmup',
    );
  for (const [n, amount, c] of [
    ['holds', opts.holds, opts.connections],
    ['contention-requests', opts.contentionRequests, opts.contentionConnections],
    ['payments', opts.payments, opts.connections],
  ] as const)
    if (amount < c) throw new Error(`--${n} (${amount}) must be at least the connections (${c})`);
  if (!/^[a-z0-9_]{1,40}$/.test(opts.databaseName)) throw new Error('--database-name: 1-40 of [a-z0-9_]');
  return opts;
}

function readApiEnv(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Z][A-Z0-9_]*$/.test(key))
      throw new Error(`--api-env: expected KEY=VALUE, got ${pair}`);
    if (BENCH_OWNED_ENV.includes(key))
      throw new Error(`--api-env: ${key} is set by the bench (use its own flag)`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

/** Admits everyone at once and keeps them ACTIVE for longer than any run. */
const BIG = 1_000_000_000;
const WIDE_ROOM: RoomConfig = {
  maxActive: BIG,
  admitPerSecond: BIG,
  activeTtlSeconds: 3 * 3600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: BIG,
};

const LOAD_NAMES = [
  'bare',
  'select1',
  'rawSelect1',
  'floorHolds',
  'floorPayments',
  'holds',
  'contention',
  'payments',
  'seatsCached',
  'seatsUncached',
] as const;
type LoadName = (typeof LOAD_NAMES)[number];

export interface ContentionCheck {
  round: number;
  scheduleId: number;
  requests: number;
  /** 201 answers: must equal the seats. */
  successes: number;
  /** Seats of the schedule with exactly one live (PROGRESS or COMPLETED) reservation in MySQL. */
  seatsWithOneLiveReservation: number;
  /** Live reservations of the schedule in MySQL: must equal the seats too. */
  liveReservations: number;
}

/**
 * Who is who: the holds' (and payments') users first, then as many for the floor (payers too, no
 * tokens), then the contention's, then the seat list's; all distinct. The catalog's dates in the same order.
 */
function layOut(o: BookingBenchOptions) {
  const perRound = o.holdWarmup + o.holds;
  const schedulesPerRound = Math.ceil(perRound / SEATS_PER_SCHEDULE);
  const holdUsers = o.rounds * perRound;
  const firstContentionUser = 1 + 2 * holdUsers;
  const firstSeatListUser = firstContentionUser + o.rounds * o.contentionRequests;
  return {
    perRound,
    schedulesPerRound,
    holdUsers,
    firstContentionUser,
    firstSeatListUser,
    allUsers: firstSeatListUser - 1 + o.connections,
    holdUser: (r: number, i: number) => 1 + r * perRound + i,
    floorUser: (r: number, i: number) => 1 + holdUsers + r * perRound + i,
    contentionUser: (r: number, i: number) => firstContentionUser + r * o.contentionRequests + i,
    /** Round r's j-th date of a list in round order. */
    dateOf: (dates: CatalogDate[], r: number, j: number) => dates[r * schedulesPerRound + j]!,
    scheduleIdsOf: (dates: CatalogDate[], r: number) =>
      dates.slice(r * schedulesPerRound, (r + 1) * schedulesPerRound).map((d) => d.scheduleId),
  };
}
type Layout = ReturnType<typeof layOut>;
type Catalog = Awaited<ReturnType<typeof createCatalog>>;

/** The catalog, through the API as an operator creates it: the holds' dates, the floor's as many, a contention date a round, the seat list's. */
async function createCatalog(
  db: PrismaClient,
  o: BookingBenchOptions,
  l: Layout,
  apiUrl: string,
  adminKey: string,
) {
  const make = (name: string, dates: number, seats: number) =>
    createConcertsOverHttp(db, { apiUrl, adminKey, price: PRICE, name, dates, seats });
  const holds = await make('bench holds', o.rounds * l.schedulesPerRound, SEATS_PER_SCHEDULE);
  const floor = await make('bench floor', o.rounds * l.schedulesPerRound, SEATS_PER_SCHEDULE);
  const contention = await make('bench contention', o.rounds, o.contentionSeats);
  const [seatList] = await make('bench seat list', 1, o.seatListSeats);
  const concertIds = [...new Set([...holds, ...contention, seatList!].map((d) => d.concertId))];
  return { holds, floor, contention, seatList: seatList!, concertIds };
}

/** ACTIVE tokens for every user but the floor's, through the real queue scripts, for the concert of the date it uses. */
async function activateTokens(s: Session, o: BookingBenchOptions, l: Layout, c: Catalog) {
  const tokenOf = new Map<number, string>();
  const concertOf = (userId: number): number => {
    if (userId >= l.firstSeatListUser) return c.seatList.concertId;
    if (userId >= l.firstContentionUser)
      return c.contention[Math.floor((userId - l.firstContentionUser) / o.contentionRequests)]!.concertId;
    const u = userId - 1;
    return l.dateOf(c.holds, Math.floor(u / l.perRound), Math.floor((u % l.perRound) / SEATS_PER_SCHEDULE))
      .concertId;
  };
  for (const concertId of c.concertIds) await s.queue.openRoom(concertId, WIDE_ROOM, WIDE_ROOM);
  // The users of one concert are consecutive; the floor's (holdUsers + 1 … 2 × holdUsers) need none.
  for (let first = 1; first <= l.allUsers; ) {
    if (first === l.holdUsers + 1) first = l.firstContentionUser;
    const concertId = concertOf(first);
    const last = first <= l.holdUsers ? l.holdUsers : l.allUsers;
    let count = 1;
    while (first + count <= last && concertOf(first + count) === concertId) count++;
    const sign = (claims: { concertId: number; userId: number; tokenId: number }) =>
      s.codec.signToken(claims);
    for (const u of await activateUsers(s.queue, sign, { concertId, firstUserId: first, count }))
      tokenOf.set(u.userId, u.token);
    first += count;
  }
  return tokenOf;
}

/** Waits until the inline journal has recorded (and so trimmed) every event of the rooms. */
async function waitForJournal(s: Session, concertIds: number[], timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lengths = await Promise.all(concertIds.map((c) => s.redis.xlen(s.queue.keys.room(c).events)));
    if (lengths.every((n) => n === 0)) return;
    if (Date.now() > deadline)
      throw new Error(
        `the journal has not caught up after ${timeoutMs} ms: ${lengths.join(', ')} events left`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `count` seat indexes, each of `seats` equally often (±1), in an order shuffled by a seeded PRNG. */
export function shuffledDeck(count: number, seats: number, seed: number): number[] {
  const deck = Array.from({ length: count }, (_, i) => i % seats);
  const random = mulberry32(seed);
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  return deck;
}

interface Round {
  s: Session;
  o: BookingBenchOptions;
  l: Layout;
  c: Catalog;
  db: PrismaClient;
  api: ServerProcess;
  tokenOf: Map<number, string>;
  observed: Observed;
  databaseUrl: string;
  /** 0-based; titles say r + 1. */
  r: number;
  log: Log;
}

const describeRun = (r: MeasuredLoad) =>
  `${r.title}: ${formatNumber(r.requestsPerSecond)}/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`;
const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });

/** A run of requests each sent once, counted (`amount`), bounded by --max-run-seconds. */
function counted(
  x: Round,
  title: string,
  path: string,
  requests: RawRequest[],
  amount: number,
  warmup: number,
): HttpSpec {
  const { o } = x;
  const load = {
    title: `${title} #${x.r + 1}`,
    url: `${x.api.url}${path}`,
    durationSeconds: o.maxRunSeconds,
    warmupSeconds: 0,
  };
  const plan = { name: 'sequence' as const, args: { requests } };
  return {
    ...load,
    connections: o.connections,
    pipelining: o.pipelining,
    amount,
    ...(warmup > 0 ? { warmupAmount: warmup } : {}),
    plan,
  };
}

/** A database baseline in the SQL probe: timed (`SELECT 1`) or counted (the floor). */
async function probe(x: Round, title: string, work: SqlSpec['work'], isCounted = false) {
  const { o } = x;
  const [warmupSeconds, durationSeconds] = isCounted
    ? [0, o.maxRunSeconds]
    : [o.warmupSeconds, o.durationSeconds];
  const spec = {
    title: `${title} #${x.r + 1}`,
    databaseUrl: x.databaseUrl,
    poolSize: o.poolSize,
    concurrency: o.connections,
    work,
  };
  const run = await measure({ ...spec, warmupSeconds, durationSeconds }, x.observed);
  if (run.errors > 0) throw new Error(`${run.title}: ${run.errors} failed queries`);
  x.log(`    ${describeRun(run)}`);
  return run;
}

/** The floor: the API's batches on its own dates and users, holds then payments of those holds. */
async function measureFloor(x: Round) {
  const { o, l, c, r } = x;
  const pairs = Array.from({ length: l.perRound }, (_, i) => {
    const date = l.dateOf(c.floor, r, Math.floor(i / SEATS_PER_SCHEDULE));
    return [l.floorUser(r, i), date.scheduleId, date.seatIds[i % SEATS_PER_SCHEDULE]!] as [
      number,
      number,
      number,
    ];
  });
  const holds = await probe(x, 'floor holds', { kind: 'holds', pairs, warmup: o.holdWarmup }, true);
  const count = o.paymentWarmup + o.payments;
  const work = {
    kind: 'payments',
    scheduleIds: l.scheduleIdsOf(c.floor, r),
    count,
    warmup: o.paymentWarmup,
    idempotencyKeys: o.idempotencyKeys,
  } as const;
  return { holds, payments: await probe(x, 'floor payments', work, true) };
}

/** Holds on distinct seats: request i is user i of this round on seat i of this round's dates; all 201, then as many PROGRESS rows. */
async function measureHolds(x: Round) {
  const { o, l, c, r } = x;
  const requests = Array.from({ length: l.perRound }, (_, i) => {
    const date = l.dateOf(c.holds, r, Math.floor(i / SEATS_PER_SCHEDULE));
    const body = JSON.stringify({
      scheduleId: date.scheduleId,
      seatId: date.seatIds[i % SEATS_PER_SCHEDULE]!,
    });
    return {
      method: 'POST',
      path: '/v1/reservations',
      headers: bearer(x.tokenOf.get(l.holdUser(r, i))!),
      body,
    };
  });
  const holds = await measure(
    counted(x, 'holds', '/v1/reservations', requests, o.holds, o.holdWarmup),
    x.observed,
  );
  assertStatuses(holds, [201]);
  x.log(`    ${describeRun(holds)}`);
  const held = await x.db.$queryRawUnsafe<{ id: number; userId: number }[]>(
    `SELECT reservation_id AS id, user_id AS userId FROM Reservation
      WHERE concert_schedule_id IN (${l.scheduleIdsOf(c.holds, r).join(',')}) AND status = 'PROGRESS' ORDER BY reservation_id`,
  );
  if (held.length !== l.perRound)
    throw new Error(`holds #${r + 1}: ${held.length} PROGRESS reservations in MySQL, expected ${l.perRound}`);
  return { holds, held };
}

/** Contention: every request a distinct user, each seat asked for equally often, shuffled; exactly one hold per seat. */
async function measureContention(x: Round) {
  const { o, l, r } = x;
  const date = x.c.contention[r]!;
  const requests = shuffledDeck(o.contentionRequests, o.contentionSeats, 0x5eed + r).map((seat, i) => ({
    method: 'POST',
    path: '/v1/reservations',
    headers: bearer(x.tokenOf.get(l.contentionUser(r, i))!),
    body: JSON.stringify({ scheduleId: date.scheduleId, seatId: date.seatIds[seat]! }),
  }));
  const spec = counted(x, 'contention', '/v1/reservations', requests, o.contentionRequests, 0);
  const rush = await measure({ ...spec, connections: o.contentionConnections }, x.observed);
  assertStatuses(rush, [201, 409]);
  const successes = rush.statusCodes['201'] ?? 0;
  x.log(`    ${describeRun(rush)}, ${successes} × 201`);
  const rows = await x.db.$queryRawUnsafe<{ live: bigint }[]>(
    `SELECT COUNT(*) AS live FROM Reservation
      WHERE concert_schedule_id = ${date.scheduleId} AND status IN ('PROGRESS', 'COMPLETED') GROUP BY seat_id`,
  );
  const check: ContentionCheck = {
    round: r + 1,
    scheduleId: date.scheduleId,
    requests: o.contentionRequests,
    successes,
    seatsWithOneLiveReservation: rows.filter((row) => Number(row.live) === 1).length,
    liveReservations: rows.reduce((sum, row) => sum + Number(row.live), 0),
  };
  if (
    [check.successes, check.seatsWithOneLiveReservation, check.liveReservations].some(
      (n) => n !== o.contentionSeats,
    )
  )
    throw new Error(
      `contention #${r + 1}: expected exactly ${o.contentionSeats} holds, got ${JSON.stringify(check)}`,
    );
  return { rush, check };
}

/** Payments: each pays one of this round's holds with its owner's token; all 201, then as many COMPLETED rows. */
async function measurePayments(x: Round, held: { id: number; userId: number }[]) {
  const { o, l, r } = x;
  // `spread`: the k-th hold of every schedule, then the (k+1)-th… (they are in id order, 50 per schedule).
  const order =
    o.paymentOrder === 'hold'
      ? held
      : Array.from({ length: SEATS_PER_SCHEDULE }, (_, k) =>
          held.filter((_, i) => i % SEATS_PER_SCHEDULE === k),
        ).flat();
  const requests = order.slice(0, o.paymentWarmup + o.payments).map((h) => ({
    method: 'POST',
    path: '/v1/payments',
    headers: {
      ...bearer(x.tokenOf.get(Number(h.userId))!),
      ...(o.idempotencyKeys ? { 'idempotency-key': `bench-pay-${h.id}` } : {}),
    },
    body: JSON.stringify({ reservationIds: [Number(h.id)] }),
  }));
  const payments = await measure(
    counted(x, 'payments', '/v1/payments', requests, o.payments, o.paymentWarmup),
    x.observed,
  );
  assertStatuses(payments, [201]);
  x.log(`    ${describeRun(payments)}`);
  const [paid] = await x.db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id IN (${l.scheduleIdsOf(x.c.holds, r).join(',')})
        AND status = 'COMPLETED' AND payment_id IS NOT NULL`,
  );
  if (Number(paid?.n) !== requests.length)
    throw new Error(`payments #${r + 1}: ${paid?.n} COMPLETED reservations, expected ${requests.length}`);
  return payments;
}

/** The seat list of the big date, a distinct ACTIVE token per connection. */
async function measureSeatList(x: Round, server: ServerProcess, label: string, isCached: boolean) {
  const tokens = Array.from({ length: x.o.connections }, (_, i) => x.tokenOf.get(x.l.firstSeatListUser + i)!);
  const url = `${server.url}/v1/schedules/${x.c.seatList.scheduleId}/seats`;
  // Without the cache, a 20,000-seat list takes seconds to answer 50 connections at once.
  const spec = { ...timed(x.o), title: `seat list, ${label} #${x.r + 1}`, url, timeoutSeconds: 60 };
  const run = await measure({ ...spec, plan: { name: 'poll', args: { tokens } } }, x.observed);
  // Without the cache the API may shed load (503 when a request waited too long for MySQL): reported.
  assertStatuses(run, isCached ? [200] : [200, 503]);
  x.log(`    ${describeRun(run)}`);
  return run;
}

/** The servers: the baseline route, the API as production runs it (workers inline), and one without the seat-list cache. */
async function startServers(s: Session, o: BookingBenchOptions, databaseUrl: string) {
  // HOLD_TTL_SECONDS: longer than the whole bench, so that no hold expires under it.
  const env = {
    ...s.env,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(o.poolSize),
    WORKERS_INLINE: 'true',
    HOLD_TTL_SECONDS: '7200',
    ...o.apiEnv,
  };
  const bare = await s.start('bare', 'bare');
  const api = await s.start('booking', 'booking', env);
  const uncached = await s.start('booking-uncached', 'booking', {
    ...env,
    SEAT_LIST_CACHE_MS: '0',
    WORKERS_INLINE: 'false',
  });
  return { bare, api, uncached };
}

export async function runBookingBench(opts: BookingBenchOptions, print: Log = (l) => console.error(l)) {
  const startedAt = new Date();
  const log: Log = (line) => print(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s] ${line}`);
  const database = `concert_test_${opts.databaseName}`;
  const databaseUrl = replaceDatabaseName(opts.mysqlUrl, database);
  if (parseDatabaseUrl(databaseUrl).database !== database) throw new Error(`bad database URL ${databaseUrl}`);
  let db: PrismaClient | undefined;
  const s = await openSession('booking', opts, log, async () => {
    await db?.$disconnect().catch(() => undefined);
    await dropDatabase(databaseUrl).then(
      () => log(`  dropped database ${database}`),
      (err: Error) => log(`  dropping ${database} failed: ${err.message}`),
    );
  });
  const l = layOut(opts);
  log(
    `bench:booking: database ${database}, prefix ${s.prefix}; ${opts.rounds} round(s); ${opts.connections} connections, pool ${opts.poolSize}`,
  );
  try {
    const setup: Record<string, number> = {};
    const time = async <T>(key: string, step: () => Promise<T>) => {
      const t0 = performance.now();
      const out = await step();
      setup[key] = round((performance.now() - t0) / 1000, 2)!;
      return out;
    };
    // A fresh database, migrated, and the users with their balances seeded in SQL.
    await time('seedSeconds', async () => {
      await dropDatabase(databaseUrl);
      await applyMigrations(databaseUrl);
      db = createPrismaClient(databaseUrl, { poolSize: 4 });
      await seedUsers(db, l.allUsers, 2 * l.holdUsers, PAYER_BALANCE);
    });
    log(`  seeded ${formatNumber(l.allUsers)} users in ${setup.seedSeconds} s`);
    const servers = await startServers(s, opts, databaseUrl);
    const c = await time('catalogSeconds', () => createCatalog(db!, opts, l, servers.api.url, s.adminKey));
    log(
      `  created ${c.concertIds.length} concerts: ${formatNumber(c.holds.length)} (+${c.floor.length} floor) dates × ` +
        `${SEATS_PER_SCHEDULE} seats, ${c.contention.length} × ${opts.contentionSeats} contended seats and ` +
        `1 × ${formatNumber(opts.seatListSeats)} in ${setup.catalogSeconds} s`,
    );
    const tokenOf = await time('tokensSeconds', () => activateTokens(s, opts, l, c));
    log(`  ${formatNumber(tokenOf.size)} ACTIVE tokens in ${setup.tokensSeconds} s`);
    // The inline journal records every join and admission in MySQL; let it finish before measuring.
    await time('journalSeconds', () => waitForJournal(s, c.concertIds));
    log(`  journal caught up in ${setup.journalSeconds} s`);

    const mariadbPid = (await readMysqlPid(db!)) ?? findProcessPid(['mariadbd', 'mysqld']);
    const observed: Observed = {
      servers: Object.values(servers),
      redis: s.redis,
      ...(mariadbPid ? { processes: [{ name: 'MariaDB', pid: mariadbPid }] } : {}),
      counters: async () => {
        const [mysql, stats] = await Promise.all([readMysqlCounters(db!), readInfo(s.redis, 'stats')]);
        return { ...mysql, 'redis.commands': Number(stats.total_commands_processed ?? 0) };
      },
    };
    const loads = Object.fromEntries(LOAD_NAMES.map((k) => [k, [] as MeasuredLoad[]])) as Record<
      LoadName,
      MeasuredLoad[]
    >;
    const contention: ContentionCheck[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      log(
        `  round ${r + 1}/${opts.rounds}: bare route, SELECT 1 ×2, floor, holds, contention, payments, seat list ×2…`,
      );
      const x: Round = {
        s,
        o: opts,
        l,
        c,
        db: db!,
        api: servers.api,
        tokenOf,
        observed,
        databaseUrl,
        r,
        log,
      };
      loads.bare.push(await measureBare(opts, servers.bare, r + 1, observed));
      log(`    ${describeRun(loads.bare.at(-1)!)}`);
      loads.select1.push(await probe(x, 'Prisma SELECT 1', { kind: 'select1', driver: 'prisma' }));
      loads.rawSelect1.push(await probe(x, 'raw SELECT 1', { kind: 'select1', driver: 'raw' }));
      const floor = await measureFloor(x);
      loads.floorHolds.push(floor.holds);
      loads.floorPayments.push(floor.payments);
      const { holds, held } = await measureHolds(x);
      loads.holds.push(holds);
      const { rush, check } = await measureContention(x);
      loads.contention.push(rush);
      contention.push(check);
      loads.payments.push(await measurePayments(x, held));
      loads.seatsCached.push(await measureSeatList(x, servers.api, 'cache on', true));
      loads.seatsUncached.push(await measureSeatList(x, servers.uncached, 'cache off', false));
    }
    await s.stopServers();

    // Money moved consistently: every balance equals the sum of its ledger.
    const [ledger] = await db!.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT COUNT(*) AS n FROM Balance b
        WHERE b.\`value\` <> (SELECT COALESCE(SUM(l.amount), 0) FROM Balance_Ledger l WHERE l.user_id = b.user_id)`,
    );
    if (Number(ledger?.n) !== 0) throw new Error(`${ledger?.n} balances differ from their ledger`);

    const m = medians(loads, opts.maxOtherCores);
    const figures = buildFigures(opts, m, contention);
    const all = LOAD_NAMES.flatMap((k) => loads[k]);
    const sizes =
      `Pool ${opts.poolSize}, ${opts.connections} connections (contention ${opts.contentionConnections}); per round ` +
      `${formatNumber(opts.holds)} holds (+${formatNumber(opts.holdWarmup)} warm-up), ` +
      `${formatNumber(opts.contentionRequests)} contention requests, ${formatNumber(opts.payments)} payments ` +
      `(+${formatNumber(opts.paymentWarmup)} warm-up, ${opts.idempotencyKeys ? 'with' : 'without'} Idempotency-Key, ${opts.paymentOrder} order).`;
    const columns = [
      { title: 'vs bare Fastify route (same run)', prefix: 'bare route' },
      { title: 'vs Prisma SELECT 1', prefix: 'Prisma SELECT 1' },
      { title: 'vs raw SELECT 1', prefix: 'raw SELECT 1' },
      { title: 'vs database floor (no HTTP)', prefix: 'database floor' },
    ];
    const markdown = [
      renderBaselinesTable(figures, columns),
      '',
      `Figures are ${m.note} ${sizes}`,
      '',
      renderCpuTable(all, opts.maxOtherCores),
      '',
      renderCostTable(all),
    ];
    return {
      bench: 'booking' as const,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: describeMachine(),
      options: opts,
      database,
      redisPrefix: s.prefix,
      figures,
      loads,
      runsUsed: m.runsUsed,
      contention,
      setup,
      markdown: markdown.join('\n'),
    };
  } finally {
    await s.close();
  }
}

function buildFigures(
  o: BookingBenchOptions,
  { rps, lat, used }: ReturnType<typeof medians<LoadName>>,
  contention: ContentionCheck[],
): Figure[] {
  const bareRps = { label: 'bare route', value: rps('bare'), unit: 'req/s' };
  const selectRps = { label: 'Prisma SELECT 1', value: rps('select1'), unit: 'queries/s' };
  const rawRps = { label: 'raw SELECT 1', value: rps('rawSelect1'), unit: 'queries/s' };
  const floorOf = (name: LoadName) =>
    name === 'holds' ? 'floorHolds' : name === 'payments' ? 'floorPayments' : undefined;
  const vsBare = (p: 'p50' | 'p99') => ({ label: `bare route ${p}`, value: lat('bare', p), unit: 'ms' });
  const speed = (id: string, label: string, name: LoadName, unit: string, threshold?: number) => {
    const floor = floorOf(name);
    return figure(id, label, rps(name), unit, {
      baseline: bareRps,
      moreBaselines: [
        selectRps,
        rawRps,
        ...(floor ? [{ label: `database floor ${name}`, value: rps(floor), unit }] : []),
      ],
      ...(threshold === undefined ? {} : { target: { on: 'value', op: '>=', threshold } }),
    });
  };
  const latency = (id: string, label: string, name: LoadName, p: 'p50' | 'p99', threshold?: number) => {
    const floor = floorOf(name);
    const more = [
      { label: `Prisma SELECT 1 ${p}`, value: lat('select1', p), unit: 'ms' },
      { label: `raw SELECT 1 ${p}`, value: lat('rawSelect1', p), unit: 'ms' },
    ];
    return figure(id, label, lat(name, p), 'ms', {
      baseline: vsBare(p),
      moreBaselines: [
        ...more,
        ...(floor ? [{ label: `database floor ${p}`, value: lat(floor, p), unit: 'ms' }] : []),
      ],
      ...(threshold === undefined ? {} : { target: { on: 'value', op: '<=', threshold } }),
    });
  };
  const seats = o.contentionSeats;
  // Every round must give exactly `seats`; the figure shows the value every round gave, or the worst.
  const invariant = (pick: (c: ContentionCheck) => number) => {
    const [lo, hi] = [Math.min(...contention.map(pick)), Math.max(...contention.map(pick))];
    return lo === hi || lo !== seats ? lo : hi;
  };
  const exactly = { target: { on: 'value', op: '==', threshold: seats } } as const;
  const requests = formatNumber(o.contentionRequests);
  const pool = `pool ${o.poolSize}, ${o.connections} in flight`;
  return [
    figure('bare.rps', 'bare Fastify route', rps('bare'), 'req/s', { note: 'baseline' }),
    figure('bare.p50', 'bare route p50', lat('bare', 'p50'), 'ms'),
    figure('bare.p99', 'bare route p99', lat('bare', 'p99'), 'ms'),
    figure('select1.rps', `Prisma SELECT 1 round trips (${pool})`, rps('select1'), 'queries/s', {
      baseline: bareRps,
      note: 'baseline',
    }),
    figure('select1.p50', 'Prisma SELECT 1 p50', lat('select1', 'p50'), 'ms', { baseline: vsBare('p50') }),
    figure('select1.p99', 'Prisma SELECT 1 p99', lat('select1', 'p99'), 'ms', { baseline: vsBare('p99') }),
    figure(
      'rawSelect1.rps',
      `raw-driver SELECT 1 round trips (createSqlPool, ${pool})`,
      rps('rawSelect1'),
      'queries/s',
      {
        baseline: bareRps,
        moreBaselines: [selectRps],
        note: 'baseline',
      },
    ),
    figure('rawSelect1.p99', 'raw SELECT 1 p99', lat('rawSelect1', 'p99'), 'ms', { baseline: vsBare('p99') }),
    ...(['floorHolds', 'floorPayments'] as const).flatMap((name) => {
      const what = name === 'floorHolds' ? 'hold' : 'payment';
      return [
        figure(
          `${name}.rps`,
          `database floor: the ${what} batch via createHotSql, no HTTP (${pool})`,
          rps(name),
          `${what}s/s`,
          {
            baseline: bareRps,
            moreBaselines: [selectRps, rawRps],
            note: 'baseline',
          },
        ),
        figure(`${name}.p99`, `database floor ${what} p99`, lat(name, 'p99'), 'ms', {
          baseline: vsBare('p99'),
          moreBaselines: [{ label: 'raw SELECT 1 p99', value: lat('rawSelect1', 'p99'), unit: 'ms' }],
        }),
      ];
    }),
    speed('holds.rps', 'holds on distinct seats (POST /v1/reservations, all 201)', 'holds', 'holds/s', 1_000),
    latency('holds.p50', 'hold p50, distinct seats', 'holds', 'p50'),
    latency('holds.p99', 'hold p99, distinct seats', 'holds', 'p99'),
    speed(
      'contention.rps',
      `contention: ${requests} hold requests for ${seats} seats`,
      'contention',
      'req/s',
    ),
    latency('contention.p50', 'contention p50', 'contention', 'p50'),
    latency('contention.p99', 'contention p99', 'contention', 'p99', 200),
    figure(
      'contention.successes',
      `contention: 201 answers (of ${requests}), every round`,
      invariant((c) => c.successes),
      'holds',
      exactly,
    ),
    figure(
      'contention.seatsWithOneLiveReservation',
      'contention: seats with exactly one live reservation in MySQL, every round',
      invariant((c) => c.seatsWithOneLiveReservation),
      'seats',
      exactly,
    ),
    speed(
      'payments.rps',
      'payments (POST /v1/payments, one hold each, all 201)',
      'payments',
      'payments/s',
      550,
    ),
    latency('payments.p50', 'payment p50', 'payments', 'p50'),
    latency('payments.p99', 'payment p99', 'payments', 'p99'),
    ...(['seatsCached', 'seatsUncached'] as const).flatMap((name) => {
      const what = `seat list of ${formatNumber(o.seatListSeats)} seats, micro-cache ${name === 'seatsCached' ? 'on' : 'off (SEAT_LIST_CACHE_MS=0)'}`;
      const runs = used(name);
      const shed = runs.reduce((n, x) => n + (x.statusCodes['503'] ?? 0), 0);
      const refused =
        shed > 0
          ? `, ${((100 * shed) / runs.reduce((n, x) => n + x.requests, 0)).toFixed(0)} % answered 503`
          : '';
      return [
        speed(`${name}.rps`, `${what} (GET /v1/schedules/{id}/seats${refused})`, name, 'req/s'),
        latency(`${name}.p99`, `${what}, p99`, name, 'p99'),
      ];
    }),
  ];
}

await runCli(import.meta.url, 'booking', readBookingBenchOptions, runBookingBench);
