/**
 * bench:booking — holds a second on distinct seats, the contention case (10,000 hold requests for 50
 * seats), payments a second and the seat list of a 20,000-seat date (micro-cache on and off) of the
 * booking API, each beside baselines measured in the same run: a bare Fastify route, `SELECT 1` round
 * trips through Prisma and the raw driver with the API's pool size, and the database floor (the API's
 * hold and payment batches without HTTP). See bench/README.md.
 *
 *   pnpm --filter @concert/bench bench:booking [--rounds 3] [--holds 20000] [--pool-size 10] [--tiny] …
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  applyMigrations,
  createPrismaClient,
  type PrismaClient,
  parseDatabaseUrl,
  replaceDatabaseName,
} from '@concert/db';
import { createRedis } from '@concert/http';
import { createQueueCore, createTokenCodec, type RoomConfig } from '@concert/queue-core';
import { dropDatabase } from '@concert/testing';
import type { Redis } from 'ioredis';
import type { LoadSpec } from './lib/autocannon.ts';
import { type CatalogDate, createConcertsOverHttp } from './lib/catalog.ts';
import { installInterruptHandler, onInterrupt } from './lib/interrupt.ts';
import { round } from './lib/ipc.ts';
import type { RawRequest } from './lib/load-plan.ts';
import { assertStatuses, type MeasuredLoad, measureLoad, measureRun, type Observed } from './lib/measure.ts';
import { readMysqlCounters, readMysqlPid } from './lib/mysql.ts';
import { assertKnownFlags, parseFlags, readBoolean, readNumber, readString } from './lib/options.ts';
import { findProcessPid } from './lib/proc.ts';
import { activateUsers } from './lib/queue.ts';
import { deleteKeysWithPrefix, readInfo } from './lib/redis.ts';
import {
  busiestServer,
  describeMachine,
  type Figure,
  figure,
  formatNumber,
  median,
  pickQuietRuns,
  renderBaselinesTable,
  renderCpuTable,
  writeJsonReport,
} from './lib/report.ts';
import { type ServerProcess, startServerProcess } from './lib/server-process.ts';
import { runSqlProbe, type SqlProbeWork } from './lib/sql-probe.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const at = (p: string) => path.join(here, p);

export interface BookingBenchOptions {
  /** Seconds of each measured duration run (bare route, SELECT 1), after `warmupSeconds`. */
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  pipelining: number;
  /** Rounds of [bare, SELECT 1, holds, contention, payments]; figures are medians over quiet runs. */
  rounds: number;
  /** A run is noisy when processes other than the bench's used more cores than this. */
  maxOtherCores: number;
  /** Measured holds per round, each a distinct (user, seat) pair, after `holdWarmup` more. */
  holds: number;
  holdWarmup: number;
  /** The contention case: this many hold requests, from as many distinct users, for `contentionSeats` seats. */
  contentionRequests: number;
  contentionSeats: number;
  contentionConnections: number;
  /** Measured payments per round, each of one distinct hold with its own token, after `paymentWarmup` more. */
  payments: number;
  paymentWarmup: number;
  /** Seats of the seat list's date (GET /v1/schedules/{id}/seats, `connections` ACTIVE tokens). */
  seatListSeats: number;
  /** Payments carry an Idempotency-Key, as the project's clients send them. */
  idempotencyKeys: boolean;
  /**
   * `hold`: holds are paid in the order they were made, so the payments in flight at once are mostly
   * of one schedule, as in an on-sale. `spread`: consecutive payments are of different schedules.
   */
  paymentOrder: 'hold' | 'spread';
  /** More environment for the API process (`KEY=VALUE,KEY=VALUE`), for experiments such as SEAT_LOCK_TTL_MS. */
  apiEnv: Record<string, string>;
  /** DATABASE_POOL_SIZE of the API, and the pool of the SELECT 1 probe. */
  poolSize: number;
  /** The longest a counted (amount) run may take before it is killed. */
  maxRunSeconds: number;
  redisUrl: string;
  /** The MySQL server, without a database: `mysql://root@127.0.0.1:3306`. */
  mysqlUrl: string;
  /** The bench's own database is `concert_test_<databaseName>`, dropped first and at the end. */
  databaseName: string;
  outDir: string;
  cpuProfileDir?: string;
}

export const DEFAULT_OPTIONS: Omit<BookingBenchOptions, 'redisUrl' | 'mysqlUrl' | 'outDir'> = {
  durationSeconds: 10,
  warmupSeconds: 2,
  connections: 50,
  pipelining: 1,
  rounds: 3,
  maxOtherCores: 0.25,
  holds: 15_000,
  holdWarmup: 1_500,
  contentionRequests: 10_000,
  contentionSeats: 50,
  contentionConnections: 50,
  payments: 8_000,
  paymentWarmup: 800,
  seatListSeats: 20_000,
  idempotencyKeys: true,
  paymentOrder: 'hold',
  apiEnv: {},
  poolSize: 10,
  maxRunSeconds: 300,
  databaseName: 'bench_booking',
};

/** `--tiny`: every step at toy sizes (the smoke test). Its numbers mean nothing; the 50 seats still hold. */
export const TINY_OPTIONS: Partial<BookingBenchOptions> = {
  durationSeconds: 1,
  warmupSeconds: 0,
  connections: 10,
  contentionConnections: 10,
  rounds: 1,
  holds: 200,
  holdWarmup: 0,
  contentionRequests: 500,
  payments: 100,
  paymentWarmup: 0,
  seatListSeats: 1_500,
  maxRunSeconds: 60,
  databaseName: 'bench_booking_tiny',
};

const FLAGS = [
  'duration',
  'warmup',
  'connections',
  'pipelining',
  'rounds',
  'max-other-cores',
  'holds',
  'hold-warmup',
  'contention-requests',
  'contention-seats',
  'contention-connections',
  'payments',
  'payment-warmup',
  'seat-list-seats',
  'idempotency-keys',
  'payment-order',
  'api-env',
  'pool-size',
  'max-run-seconds',
  'redis-url',
  'mysql-url',
  'database-name',
  'out-dir',
  'profile-dir',
  'tiny',
];

const MAX_ROUNDS = 20;
/** Seats per schedule of the distinct-seat holds (the seed's size). */
const SEATS_PER_SCHEDULE = 50;
const PRICE = 10_000;
/** Each payer's balance: enough for every hold it could pay. */
const PAYER_BALANCE = 1_000_000;

export function readBookingBenchOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): BookingBenchOptions {
  const raw = parseFlags(argv, env);
  assertKnownFlags(raw, FLAGS);
  const base = { ...DEFAULT_OPTIONS, ...(readBoolean(raw, 'tiny') ? TINY_OPTIONS : {}) };
  const profileDir = readString(raw, 'profile-dir', '');
  const connections = readNumber(raw, 'connections', base.connections, 1);
  const opts: BookingBenchOptions = {
    durationSeconds: readNumber(raw, 'duration', base.durationSeconds, 1),
    warmupSeconds: readNumber(raw, 'warmup', base.warmupSeconds, 0),
    connections,
    pipelining: readNumber(raw, 'pipelining', base.pipelining, 1),
    rounds: readNumber(raw, 'rounds', base.rounds, 1),
    maxOtherCores: readNumber(raw, 'max-other-cores', base.maxOtherCores, 0),
    holds: readNumber(raw, 'holds', base.holds, 1),
    holdWarmup: readNumber(raw, 'hold-warmup', base.holdWarmup, 0),
    contentionRequests: readNumber(raw, 'contention-requests', base.contentionRequests, 1),
    contentionSeats: readNumber(raw, 'contention-seats', base.contentionSeats, 1),
    // The contention default follows --connections unless set on its own.
    contentionConnections: readNumber(
      raw,
      'contention-connections',
      raw.has('connections') && !raw.has('contentionconnections') ? connections : base.contentionConnections,
      1,
    ),
    payments: readNumber(raw, 'payments', base.payments, 1),
    paymentWarmup: readNumber(raw, 'payment-warmup', base.paymentWarmup, 0),
    seatListSeats: readNumber(raw, 'seat-list-seats', base.seatListSeats, 1),
    idempotencyKeys: readBoolean(raw, 'idempotency-keys', base.idempotencyKeys),
    paymentOrder: readPaymentOrder(readString(raw, 'payment-order', base.paymentOrder)),
    apiEnv: readApiEnv(readString(raw, 'api-env', '')),
    poolSize: readNumber(raw, 'pool-size', base.poolSize, 1),
    maxRunSeconds: readNumber(raw, 'max-run-seconds', base.maxRunSeconds, 10),
    redisUrl: readString(raw, 'redis-url', env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    mysqlUrl: readString(raw, 'mysql-url', env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'),
    databaseName: readString(raw, 'database-name', base.databaseName),
    outDir: path.resolve(readString(raw, 'out-dir', at('results'))),
    ...(profileDir ? { cpuProfileDir: path.resolve(profileDir) } : {}),
  };
  for (const k of ['durationSeconds', 'rounds', 'holds', 'contentionRequests', 'payments'] as const) {
    if (!Number.isInteger(opts[k])) throw new Error(`${k} must be an integer`);
  }
  if (opts.rounds > MAX_ROUNDS) throw new Error(`--rounds must be at most ${MAX_ROUNDS}`);
  if (opts.contentionSeats > 99) throw new Error('--contention-seats must be at most 99');
  if (opts.seatListSeats > 20_000) throw new Error('--seat-list-seats must be at most 20,000 (API.md)');
  if (opts.payments + opts.paymentWarmup > opts.holds + opts.holdWarmup) {
    throw new Error(
      'payments pay the holds of the same round: --payments + --payment-warmup ≤ --holds + --hold-warmup',
    );
  }
  for (const [n, amount, c] of [
    ['holds', opts.holds, opts.connections],
    ['contention-requests', opts.contentionRequests, opts.contentionConnections],
    ['payments', opts.payments, opts.connections],
  ] as const) {
    if (amount < c) throw new Error(`--${n} (${amount}) must be at least the connections (${c})`);
  }
  if (!/^[a-z0-9_]{1,40}$/.test(opts.databaseName)) throw new Error('--database-name: 1-40 of [a-z0-9_]');
  for (const url of [opts.redisUrl, opts.mysqlUrl]) {
    const host = new URL(url).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost')
      throw new Error(`the bench only targets 127.0.0.1, not ${url}`);
  }
  return opts;
}

function readPaymentOrder(value: string): BookingBenchOptions['paymentOrder'] {
  if (value !== 'hold' && value !== 'spread')
    throw new Error(`--payment-order must be hold or spread, not ${value}`);
  return value;
}

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
const WIDE_ROOM: RoomConfig = {
  maxActive: 1_000_000_000,
  admitPerSecond: 1_000_000_000,
  activeTtlSeconds: 3 * 3600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: 1_000_000_000,
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

export interface BookingBenchReport {
  bench: 'booking';
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof describeMachine>;
  options: BookingBenchOptions;
  database: string;
  redisPrefix: string;
  figures: Figure[];
  loads: Record<LoadName, MeasuredLoad[]>;
  runsUsed: Record<LoadName, string[]>;
  contention: ContentionCheck[];
  setup: Record<string, number>;
  markdown: string;
}

type Log = (line: string) => void;

export async function runBookingBench(
  opts: BookingBenchOptions,
  print: Log = (l) => console.error(l),
): Promise<BookingBenchReport> {
  const startedAt = new Date();
  const log: Log = (l) => print(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s] ${l}`);
  const prefix = `bench:booking:${randomUUID().slice(0, 8)}:`;
  const secret = randomBytes(32).toString('hex');
  // The API needs an identity provider's key to start (AUTH_JWT_SECRET); the holds and payments
  // measured here carry queue tokens only.
  const authSecret = randomBytes(32).toString('hex');
  const adminKey = randomBytes(16).toString('hex');
  const database = `concert_test_${opts.databaseName}`;
  const databaseUrl = replaceDatabaseName(opts.mysqlUrl, database);
  if (parseDatabaseUrl(databaseUrl).database !== database) throw new Error(`bad database URL ${databaseUrl}`);

  const redis = createRedis(opts.redisUrl, { name: 'bench-booking' });
  await redis.connect();
  const queue = createQueueCore({ redis, prefix });
  const codec = createTokenCodec(secret);
  const running: ServerProcess[] = [];
  let prisma: PrismaClient | undefined;

  // Once, whichever comes first: the end of the run or Ctrl-C.
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => (cleaning ??= cleanUpOnce());
  const cleanUpOnce = async () => {
    await Promise.allSettled(running.map((s) => s.stop()));
    running.length = 0;
    await prisma?.$disconnect().catch(() => undefined);
    await dropDatabase(databaseUrl).then(
      () => log(`  dropped database ${database}`),
      (err: Error) => log(`  dropping ${database} failed: ${err.message}`),
    );
    const deleted = await deleteKeysWithPrefix(redis, prefix).catch((err: Error) => {
      log(`  cleanup failed: ${err.message}`);
      return 0;
    });
    log(`  cleaned up ${deleted} keys under ${prefix}`);
  };
  const unregister = onInterrupt(cleanUp);

  const holdsPerRound = opts.holdWarmup + opts.holds;
  const holdSchedulesPerRound = Math.ceil(holdsPerRound / SEATS_PER_SCHEDULE);
  const holdUsers = opts.rounds * holdsPerRound;
  const contentionUsers = opts.rounds * opts.contentionRequests;
  /**
   * User ids: the holds' (and payments') users first, then as many for the database floor (payers too,
   * no tokens), then the contention's, then the seat list's; all distinct.
   */
  const holdUser = (r: number, i: number) => 1 + r * holdsPerRound + i;
  const floorUser = (r: number, i: number) => 1 + holdUsers + r * holdsPerRound + i;
  const firstContentionUser = 1 + 2 * holdUsers;
  const contentionUser = (r: number, i: number) => firstContentionUser + r * opts.contentionRequests + i;
  const firstSeatListUser = firstContentionUser + contentionUsers;
  const allUsers = firstSeatListUser - 1 + opts.connections;
  /**
   * The catalog, created through the API: the holds' dates in round order, the floor's as many, a
   * contention date per round, and the seat list's date.
   */
  let holdDates: CatalogDate[] = [];
  let floorDates: CatalogDate[] = [];
  let contentionDates: CatalogDate[] = [];
  let seatListDate: CatalogDate | undefined;
  const holdDate = (r: number, j: number) => holdDates[r * holdSchedulesPerRound + j]!;
  const floorDate = (r: number, j: number) => floorDates[r * holdSchedulesPerRound + j]!;
  const scheduleIdsOf = (dates: CatalogDate[], r: number) =>
    dates.slice(r * holdSchedulesPerRound, (r + 1) * holdSchedulesPerRound).map((d) => d.scheduleId);
  const holdScheduleIdsOf = (r: number) => scheduleIdsOf(holdDates, r);

  log(
    `bench:booking: database ${database}, prefix ${prefix}; ${opts.rounds} round(s); ` +
      `${opts.connections} connections, pool ${opts.poolSize}`,
  );
  try {
    // 1. A fresh database, migrated, and the users with their balances seeded in SQL.
    const setup: Record<string, number> = {};
    let t0 = performance.now();
    await dropDatabase(databaseUrl);
    await applyMigrations(databaseUrl);
    const db = createPrismaClient(databaseUrl, { poolSize: 4 });
    prisma = db;
    await seedUsers(db, { users: allUsers, payers: 2 * holdUsers });
    setup.seedSeconds = round((performance.now() - t0) / 1000);
    log(`  seeded ${formatNumber(allUsers)} users in ${setup.seedSeconds} s`);

    // 2. The servers: the baseline route, and the booking API as production runs it (workers inline).
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
    const bareServer = await start('bare', at('servers/bare.ts'));
    const apiEnv = {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(opts.poolSize),
      REDIS_URL: opts.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_TOKEN_SECRET: secret,
      AUTH_JWT_SECRET: authSecret,
      ADMIN_API_KEY: adminKey,
      RATE_LIMIT_MAX: '0',
      LOG_LEVEL: 'silent',
      WORKERS_INLINE: 'true',
      // Longer than the whole bench: no hold expires under it (the expiry jobs are still queued).
      HOLD_TTL_SECONDS: '7200',
      ...opts.apiEnv,
    };
    const api = await start('booking', at('servers/booking.ts'), apiEnv);
    // A second API without the seat-list micro-cache (and without workers), for the seat list only.
    const uncachedApi = await start('booking-uncached', at('servers/booking.ts'), {
      ...apiEnv,
      SEAT_LIST_CACHE_MS: '0',
      WORKERS_INLINE: 'false',
    });

    // 3. The catalog, through the API's catalog endpoint as an operator creates it: the holds' dates of
    // SEATS_PER_SCHEDULE seats (31 to a concert, the endpoint's limit), and one contention date a round.
    t0 = performance.now();
    const catalog = { apiUrl: api.url, adminKey, price: PRICE };
    holdDates = await createConcertsOverHttp(db, {
      ...catalog,
      name: 'bench holds',
      dates: opts.rounds * holdSchedulesPerRound,
      seats: SEATS_PER_SCHEDULE,
    });
    floorDates = await createConcertsOverHttp(db, {
      ...catalog,
      name: 'bench floor',
      dates: opts.rounds * holdSchedulesPerRound,
      seats: SEATS_PER_SCHEDULE,
    });
    contentionDates = await createConcertsOverHttp(db, {
      ...catalog,
      name: 'bench contention',
      dates: opts.rounds,
      seats: opts.contentionSeats,
    });
    [seatListDate] = await createConcertsOverHttp(db, {
      ...catalog,
      name: 'bench seat list',
      dates: 1,
      seats: opts.seatListSeats,
    });
    const concertIds = [
      ...new Set([...holdDates, ...contentionDates, seatListDate!].map((d) => d.concertId)),
    ];
    setup.catalogSeconds = round((performance.now() - t0) / 1000);
    log(
      `  created ${concertIds.length} concerts: ${formatNumber(holdDates.length)} (+${floorDates.length} floor) dates × ` +
        `${SEATS_PER_SCHEDULE} seats, ${contentionDates.length} × ${opts.contentionSeats} contended seats and ` +
        `1 × ${formatNumber(opts.seatListSeats)} in ${setup.catalogSeconds} s`,
    );

    // 4. ACTIVE tokens for every user, through the real queue scripts: each user's token is for the
    // concert of the date it holds on. The users of one concert are consecutive.
    t0 = performance.now();
    const sign = (c: { concertId: number; userId: number; tokenId: number }) => codec.signToken(c);
    const tokenOf = new Map<number, string>();
    const concertOfUser = (userId: number): number => {
      if (userId >= firstSeatListUser) return seatListDate!.concertId;
      if (userId >= firstContentionUser)
        return contentionDates[Math.floor((userId - firstContentionUser) / opts.contentionRequests)]!
          .concertId;
      const u = userId - 1;
      return holdDate(Math.floor(u / holdsPerRound), Math.floor((u % holdsPerRound) / SEATS_PER_SCHEDULE))
        .concertId;
    };
    for (const concertId of concertIds) await queue.openRoom(concertId, WIDE_ROOM, WIDE_ROOM);
    // The floor's users (holdUsers + 1 … 2 × holdUsers) need no token.
    for (let firstUserId = 1; firstUserId <= allUsers; ) {
      if (firstUserId === holdUsers + 1) firstUserId = firstContentionUser;
      const concertId = concertOfUser(firstUserId);
      const last = firstUserId <= holdUsers ? holdUsers : allUsers;
      let count = 1;
      while (firstUserId + count <= last && concertOfUser(firstUserId + count) === concertId) count++;
      for (const u of await activateUsers(queue, sign, { concertId, firstUserId, count })) {
        tokenOf.set(u.userId, u.token);
      }
      firstUserId += count;
    }
    const seatListTokens = Array.from(
      { length: opts.connections },
      (_, i) => tokenOf.get(firstSeatListUser + i)!,
    );
    setup.tokensSeconds = round((performance.now() - t0) / 1000);
    log(`  ${formatNumber(tokenOf.size)} ACTIVE tokens in ${setup.tokensSeconds} s`);

    // 5. The inline journal records every join and admission in MySQL; let it finish before measuring.
    t0 = performance.now();
    await waitForJournal(
      redis,
      concertIds.map((c) => queue.keys.room(c).events),
    );
    setup.journalSeconds = round((performance.now() - t0) / 1000);
    log(`  journal caught up in ${setup.journalSeconds} s`);

    const mariadbPid = (await readMysqlPid(db)) ?? findProcessPid(['mariadbd', 'mysqld']);
    const observed: Observed = {
      servers: [bareServer, api, uncachedApi],
      redis,
      ...(mariadbPid ? { processes: [{ name: 'MariaDB', pid: mariadbPid }] } : {}),
      counters: async () => {
        const [mysql, stats] = await Promise.all([readMysqlCounters(db), readInfo(redis, 'stats')]);
        return { ...mysql, 'redis.commands': Number(stats.total_commands_processed ?? 0) };
      },
    };
    const timed = {
      durationSeconds: opts.durationSeconds,
      warmupSeconds: opts.warmupSeconds,
      connections: opts.connections,
      pipelining: opts.pipelining,
    };
    const counted = (title: string, url: string, requests: RawRequest[], amount: number, warmup: number) =>
      ({
        title,
        url,
        durationSeconds: opts.maxRunSeconds,
        warmupSeconds: 0,
        connections: opts.connections,
        pipelining: opts.pipelining,
        amount,
        ...(warmup > 0 ? { warmupAmount: warmup } : {}),
        plan: { module: at('plans/sequence.ts'), args: { requests } },
      }) satisfies LoadSpec;

    const loads = Object.fromEntries(LOAD_NAMES.map((k) => [k, [] as MeasuredLoad[]])) as Record<
      LoadName,
      MeasuredLoad[]
    >;
    const contention: ContentionCheck[] = [];
    const json = { 'content-type': 'application/json' };

    for (let r = 0; r < opts.rounds; r++) {
      const n = r + 1;
      log(
        `  round ${n}/${opts.rounds}: bare route, SELECT 1 ×2, floor, holds, contention, payments, seat list ×2…`,
      );
      const bare = await measureLoad(
        {
          ...timed,
          title: `bare route #${n}`,
          url: `${bareServer.url}/bare`,
          plan: { module: at('plans/get.ts') },
        },
        observed,
      );
      assertStatuses(bare, [200]);
      loads.bare.push(bare);
      log(`    ${describeRun(bare)}`);

      const probe = async (name: LoadName, title: string, work: SqlProbeWork, counted = false) => {
        const run = await measureRun(
          runSqlProbe,
          {
            title: `${title} #${n}`,
            databaseUrl,
            poolSize: opts.poolSize,
            concurrency: opts.connections,
            work,
            warmupSeconds: counted ? 0 : opts.warmupSeconds,
            durationSeconds: counted ? opts.maxRunSeconds : opts.durationSeconds,
          },
          observed,
        );
        if (run.errors > 0) throw new Error(`${run.title}: ${run.errors} failed queries`);
        loads[name].push(run);
        log(`    ${describeRun(run)}`);
      };
      await probe('select1', 'Prisma SELECT 1', { kind: 'select1', driver: 'prisma' });
      await probe('rawSelect1', 'raw SELECT 1', { kind: 'select1', driver: 'raw' });
      // The floor: the same batches on its own dates and users, holds then payments of those holds.
      const floorPairs = Array.from({ length: holdsPerRound }, (_, i) => {
        const date = floorDate(r, Math.floor(i / SEATS_PER_SCHEDULE));
        return [floorUser(r, i), date.scheduleId, date.seatIds[i % SEATS_PER_SCHEDULE]!] as [
          number,
          number,
          number,
        ];
      });
      await probe(
        'floorHolds',
        'floor holds',
        { kind: 'holds', pairs: floorPairs, warmup: opts.holdWarmup },
        true,
      );
      await probe(
        'floorPayments',
        'floor payments',
        {
          kind: 'payments',
          scheduleIds: scheduleIdsOf(floorDates, r),
          count: opts.paymentWarmup + opts.payments,
          warmup: opts.paymentWarmup,
          idempotencyKeys: opts.idempotencyKeys,
        },
        true,
      );

      // Holds on distinct seats: request i is user i of this round on seat i of this round's schedules.
      const holdRequests: RawRequest[] = Array.from({ length: holdsPerRound }, (_, i) => {
        const date = holdDate(r, Math.floor(i / SEATS_PER_SCHEDULE));
        const userId = holdUser(r, i);
        return {
          method: 'POST',
          path: '/v1/reservations',
          headers: { ...json, authorization: `Bearer ${tokenOf.get(userId)!}` },
          body: JSON.stringify({
            scheduleId: date.scheduleId,
            seatId: date.seatIds[i % SEATS_PER_SCHEDULE]!,
          }),
        };
      });
      const holds = await measureLoad(
        counted(`holds #${n}`, `${api.url}/v1/reservations`, holdRequests, opts.holds, opts.holdWarmup),
        observed,
      );
      assertStatuses(holds, [201]);
      loads.holds.push(holds);
      log(`    ${describeRun(holds)}`);
      const held = await db.$queryRawUnsafe<{ id: number; userId: number }[]>(
        `SELECT reservation_id AS id, user_id AS userId FROM Reservation
          WHERE concert_schedule_id IN (${holdScheduleIdsOf(r).join(',')})
            AND status = 'PROGRESS' ORDER BY reservation_id`,
      );
      if (held.length !== holdsPerRound) {
        throw new Error(
          `holds #${n}: ${held.length} PROGRESS reservations in MySQL, expected ${holdsPerRound}`,
        );
      }

      // Contention: every request a distinct user, each seat asked for equally often, in shuffled order.
      const cDate = contentionDates[r]!;
      const cSchedule = cDate.scheduleId;
      const deck = shuffledDeck(opts.contentionRequests, opts.contentionSeats, 0x5eed + r);
      const contentionRequests: RawRequest[] = deck.map((seat, i) => ({
        method: 'POST',
        path: '/v1/reservations',
        headers: { ...json, authorization: `Bearer ${tokenOf.get(contentionUser(r, i))!}` },
        body: JSON.stringify({ scheduleId: cSchedule, seatId: cDate.seatIds[seat]! }),
      }));
      const rush = await measureLoad(
        {
          ...counted(
            `contention #${n}`,
            `${api.url}/v1/reservations`,
            contentionRequests,
            opts.contentionRequests,
            0,
          ),
          connections: opts.contentionConnections,
        },
        observed,
      );
      assertStatuses(rush, [201, 409]);
      loads.contention.push(rush);
      log(`    ${describeRun(rush)}, ${rush.statusCodes['201'] ?? 0} × 201`);
      const check = await checkContention(
        db,
        n,
        cSchedule,
        opts.contentionRequests,
        rush.statusCodes['201'] ?? 0,
      );
      contention.push(check);
      if (
        check.successes !== opts.contentionSeats ||
        check.seatsWithOneLiveReservation !== opts.contentionSeats ||
        check.liveReservations !== opts.contentionSeats
      ) {
        throw new Error(
          `contention #${n}: expected exactly ${opts.contentionSeats} holds, got ${JSON.stringify(check)}`,
        );
      }

      // Payments: each pays one of this round's holds, with its owner's token (a payment expires it).
      const payOrder = opts.paymentOrder === 'hold' ? held : spreadBySchedule(held);
      const payRequests: RawRequest[] = payOrder.slice(0, opts.paymentWarmup + opts.payments).map((h) => ({
        method: 'POST',
        path: '/v1/payments',
        headers: {
          ...json,
          authorization: `Bearer ${tokenOf.get(Number(h.userId))!}`,
          ...(opts.idempotencyKeys ? { 'idempotency-key': `bench-pay-${h.id}` } : {}),
        },
        body: JSON.stringify({ reservationIds: [Number(h.id)] }),
      }));
      const payments = await measureLoad(
        counted(`payments #${n}`, `${api.url}/v1/payments`, payRequests, opts.payments, opts.paymentWarmup),
        observed,
      );
      assertStatuses(payments, [201]);
      loads.payments.push(payments);
      log(`    ${describeRun(payments)}`);
      const [paid] = await db.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT COUNT(*) AS n FROM Reservation
          WHERE concert_schedule_id IN (${holdScheduleIdsOf(r).join(',')})
            AND status = 'COMPLETED' AND payment_id IS NOT NULL`,
      );
      if (Number(paid?.n) !== payRequests.length) {
        throw new Error(`payments #${n}: ${paid?.n} COMPLETED reservations, expected ${payRequests.length}`);
      }

      // The seat list of the big date, a distinct ACTIVE token per connection, micro-cache on then off.
      for (const [name, server, label] of [
        ['seatsCached', api, 'cache on'],
        ['seatsUncached', uncachedApi, 'cache off'],
      ] as const) {
        const seatList = await measureLoad(
          {
            ...timed,
            title: `seat list, ${label} #${n}`,
            url: `${server.url}/v1/schedules/${seatListDate!.scheduleId}/seats`,
            plan: { module: at('plans/gateway-poll.ts'), args: { tokens: seatListTokens } },
            // Without the cache, a 20,000-seat list takes seconds to answer 50 connections at once.
            timeoutSeconds: 60,
          },
          observed,
        );
        // Without the cache the API may shed load (503 when a request waited too long for MySQL): reported.
        assertStatuses(seatList, name === 'seatsCached' ? [200] : [200, 503]);
        loads[name].push(seatList);
        log(`    ${describeRun(seatList)}`);
      }
    }
    await Promise.all([bareServer, api, uncachedApi].map((s) => s.stop()));
    running.length = 0;

    // Money moved consistently: every balance equals the sum of its ledger.
    const [ledger] = await db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT COUNT(*) AS n FROM Balance b
        WHERE b.\`value\` <> (SELECT COALESCE(SUM(l.amount), 0) FROM Balance_Ledger l WHERE l.user_id = b.user_id)`,
    );
    if (Number(ledger?.n) !== 0) throw new Error(`${ledger?.n} balances differ from their ledger`);

    const runsUsed = Object.fromEntries(
      LOAD_NAMES.map((k) => [k, pickQuietRuns(loads[k], opts.maxOtherCores).map((l) => l.title)]),
    ) as Record<LoadName, string[]>;
    const figures = buildFigures(opts, loads, contention);
    const markdown = [
      renderBaselinesTable(figures, [
        { title: 'vs bare Fastify route (same run)', prefix: 'bare route' },
        { title: 'vs Prisma SELECT 1', prefix: 'Prisma SELECT 1' },
        { title: 'vs raw SELECT 1', prefix: 'raw SELECT 1' },
        { title: 'vs database floor (no HTTP)', prefix: 'database floor' },
      ]),
      '',
      `Figures are medians over the quiet runs (other processes ≤ ${opts.maxOtherCores} cores), or over all ` +
        `runs of a kind when none was quiet: ${LOAD_NAMES.map((k) => `${k} ${runsUsed[k].length}/${loads[k].length}`).join(', ')}. ` +
        `Pool ${opts.poolSize}, ${opts.connections} connections (contention ${opts.contentionConnections}); per round ` +
        `${formatNumber(opts.holds)} holds (+${formatNumber(opts.holdWarmup)} warm-up), ` +
        `${formatNumber(opts.contentionRequests)} contention requests, ${formatNumber(opts.payments)} payments ` +
        `(+${formatNumber(opts.paymentWarmup)} warm-up, ${opts.idempotencyKeys ? 'with' : 'without'} Idempotency-Key, ` +
        `${opts.paymentOrder} order).`,
      '',
      renderCpuTable(
        LOAD_NAMES.flatMap((k) => loads[k]),
        opts.maxOtherCores,
      ),
      '',
      renderCostTable(LOAD_NAMES.flatMap((k) => loads[k])),
    ].join('\n');
    return {
      bench: 'booking',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: describeMachine(),
      options: opts,
      database,
      redisPrefix: prefix,
      figures,
      loads,
      runsUsed,
      contention,
      setup,
      markdown,
    };
  } finally {
    unregister();
    await cleanUp();
    await redis.quit().catch(() => redis.disconnect());
  }
}

const describeRun = (r: MeasuredLoad) =>
  `${r.title}: ${formatNumber(r.requestsPerSecond)}/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`;

interface SeedSpec {
  users: number;
  /** Users 1…payers get PAYER_BALANCE (with its CHARGE ledger row); the rest have 0. */
  payers: number;
}

/**
 * The users and their balances in multi-row INSERTs of generated integers and fixed strings only. The
 * API would provision them on first sight with a zero balance, but the payers' money would then take
 * one HTTP charge each; the catalog goes through the API (createConcertsOverHttp).
 */
async function seedUsers(prisma: PrismaClient, spec: SeedSpec): Promise<void> {
  const CHUNK = 5_000;
  for (let first = 1; first <= spec.users; first += CHUNK) {
    const rows = Array.from(
      { length: Math.min(CHUNK, spec.users - first + 1) },
      (_, i) => `(${first + i},'bench-${first + i}')`,
    );
    await prisma.$executeRawUnsafe(`INSERT INTO \`User\` (user_id, user_name) VALUES ${rows.join(',')}`);
  }
  await prisma.$executeRawUnsafe(
    `INSERT INTO Balance (user_id, \`value\`)
     SELECT user_id, IF(user_id <= ${spec.payers}, ${PAYER_BALANCE}, 0) FROM \`User\``,
  );
  await prisma.$executeRawUnsafe(
    `INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after)
     SELECT user_id, 'CHARGE', \`value\`, \`value\` FROM Balance WHERE \`value\` > 0`,
  );
}

/** Waits until the journal has recorded (and so trimmed) every event of the given streams. */
async function waitForJournal(redis: Redis, streams: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const lengths = await Promise.all(streams.map((s) => redis.xlen(s)));
    if (lengths.every((l) => l === 0)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the journal has not caught up after ${timeoutMs} ms: ${lengths.join(', ')} events left`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The holds reordered so that consecutive ones are of different schedules: the k-th hold of every
 * schedule, then the (k+1)-th… (they are in id order, SEATS_PER_SCHEDULE per schedule).
 */
function spreadBySchedule<T>(held: T[]): T[] {
  const out: T[] = [];
  for (let k = 0; k < SEATS_PER_SCHEDULE; k++) {
    for (let i = k; i < held.length; i += SEATS_PER_SCHEDULE) out.push(held[i]!);
  }
  return out;
}

/** `count` seat indexes, each of `seats` equally often (±1), in an order shuffled by a seeded PRNG. */
export function shuffledDeck(count: number, seats: number, seedValue: number): number[] {
  const deck = Array.from({ length: count }, (_, i) => i % seats);
  // mulberry32
  let a = seedValue >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  return deck;
}

async function checkContention(
  prisma: PrismaClient,
  round: number,
  scheduleId: number,
  requests: number,
  successes: number,
): Promise<ContentionCheck> {
  const rows = await prisma.$queryRawUnsafe<{ seatId: number; live: bigint }[]>(
    `SELECT seat_id AS seatId, COUNT(*) AS live FROM Reservation
      WHERE concert_schedule_id = ${scheduleId} AND status IN ('PROGRESS', 'COMPLETED') GROUP BY seat_id`,
  );
  return {
    round,
    scheduleId,
    requests,
    successes,
    seatsWithOneLiveReservation: rows.filter((x) => Number(x.live) === 1).length,
    liveReservations: rows.reduce((sum, x) => sum + Number(x.live), 0),
  };
}

function buildFigures(
  opts: BookingBenchOptions,
  loads: BookingBenchReport['loads'],
  contention: ContentionCheck[],
): Figure[] {
  const used = (name: LoadName) => pickQuietRuns(loads[name], opts.maxOtherCores);
  const rps = (name: LoadName) => median(used(name).map((r) => r.requestsPerSecond));
  const lat = (name: LoadName, p: 'p50' | 'p99') => median(used(name).map((r) => r.latencyMs[p]));
  const bareRps = { label: 'bare route', value: rps('bare'), unit: 'req/s' };
  const selectRps = { label: 'Prisma SELECT 1', value: rps('select1'), unit: 'queries/s' };
  const rawRps = { label: 'raw SELECT 1', value: rps('rawSelect1'), unit: 'queries/s' };
  const floorOf = (name: LoadName, unit: string) =>
    name === 'holds' || name === 'payments'
      ? [
          {
            label: `database floor ${name}`,
            value: rps(name === 'holds' ? 'floorHolds' : 'floorPayments'),
            unit,
          },
        ]
      : [];
  const speed = (id: string, label: string, name: LoadName, unit: string, target?: number) =>
    figure({
      id,
      label,
      value: rps(name),
      unit,
      baseline: bareRps,
      moreBaselines: [selectRps, rawRps, ...floorOf(name, unit)],
      ...(target === undefined
        ? {}
        : { target: { on: 'value' as const, op: '>=' as const, threshold: target } }),
    });
  const latency = (id: string, label: string, name: LoadName, p: 'p50' | 'p99', target?: number) =>
    figure({
      id,
      label,
      value: lat(name, p),
      unit: 'ms',
      baseline: { label: `bare route ${p}`, value: lat('bare', p), unit: 'ms' },
      moreBaselines: [
        { label: `Prisma SELECT 1 ${p}`, value: lat('select1', p), unit: 'ms' },
        { label: `raw SELECT 1 ${p}`, value: lat('rawSelect1', p), unit: 'ms' },
        ...(name === 'holds' || name === 'payments'
          ? [
              {
                label: `database floor ${p}`,
                value: lat(name === 'holds' ? 'floorHolds' : 'floorPayments', p),
                unit: 'ms',
              },
            ]
          : []),
      ],
      ...(target === undefined
        ? {}
        : { target: { on: 'value' as const, op: '<=' as const, threshold: target } }),
    });
  const seats = opts.contentionSeats;
  const fewest = (pick: (c: ContentionCheck) => number) => Math.min(...contention.map(pick));
  const most = (pick: (c: ContentionCheck) => number) => Math.max(...contention.map(pick));
  // Every round must give exactly `seats`; the figure shows the value every round gave, or the worst.
  const invariant = (pick: (c: ContentionCheck) => number) =>
    fewest(pick) === most(pick) ? fewest(pick) : fewest(pick) !== seats ? fewest(pick) : most(pick);
  const requests = formatNumber(opts.contentionRequests);
  return [
    figure({
      id: 'bare.rps',
      label: 'bare Fastify route',
      value: rps('bare'),
      unit: 'req/s',
      note: 'baseline',
    }),
    figure({ id: 'bare.p50', label: 'bare route p50', value: lat('bare', 'p50'), unit: 'ms' }),
    figure({ id: 'bare.p99', label: 'bare route p99', value: lat('bare', 'p99'), unit: 'ms' }),
    figure({
      id: 'select1.rps',
      label: `Prisma SELECT 1 round trips (pool ${opts.poolSize}, ${opts.connections} in flight)`,
      value: rps('select1'),
      unit: 'queries/s',
      baseline: bareRps,
      note: 'baseline',
    }),
    figure({
      id: 'select1.p50',
      label: 'Prisma SELECT 1 p50',
      value: lat('select1', 'p50'),
      unit: 'ms',
      baseline: { label: 'bare route p50', value: lat('bare', 'p50'), unit: 'ms' },
    }),
    figure({
      id: 'select1.p99',
      label: 'Prisma SELECT 1 p99',
      value: lat('select1', 'p99'),
      unit: 'ms',
      baseline: { label: 'bare route p99', value: lat('bare', 'p99'), unit: 'ms' },
    }),
    figure({
      id: 'rawSelect1.rps',
      label: `raw-driver SELECT 1 round trips (createSqlPool, pool ${opts.poolSize}, ${opts.connections} in flight)`,
      value: rps('rawSelect1'),
      unit: 'queries/s',
      baseline: bareRps,
      moreBaselines: [selectRps],
      note: 'baseline',
    }),
    figure({
      id: 'rawSelect1.p99',
      label: 'raw SELECT 1 p99',
      value: lat('rawSelect1', 'p99'),
      unit: 'ms',
      baseline: { label: 'bare route p99', value: lat('bare', 'p99'), unit: 'ms' },
    }),
    ...(['floorHolds', 'floorPayments'] as const).flatMap((name) => {
      const what = name === 'floorHolds' ? 'hold' : 'payment';
      return [
        figure({
          id: `${name}.rps`,
          label: `database floor: the ${what} batch via createHotSql, no HTTP (pool ${opts.poolSize}, ${opts.connections} in flight)`,
          value: rps(name),
          unit: `${what}s/s`,
          baseline: bareRps,
          moreBaselines: [selectRps, rawRps],
          note: 'baseline',
        }),
        figure({
          id: `${name}.p99`,
          label: `database floor ${what} p99`,
          value: lat(name, 'p99'),
          unit: 'ms',
          baseline: { label: 'bare route p99', value: lat('bare', 'p99'), unit: 'ms' },
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
    figure({
      id: 'contention.successes',
      label: `contention: 201 answers (of ${requests}), every round`,
      value: invariant((c) => c.successes),
      unit: 'holds',
      target: { on: 'value', op: '==', threshold: seats },
    }),
    figure({
      id: 'contention.seatsWithOneLiveReservation',
      label: 'contention: seats with exactly one live reservation in MySQL, every round',
      value: invariant((c) => c.seatsWithOneLiveReservation),
      unit: 'seats',
      target: { on: 'value', op: '==', threshold: seats },
    }),
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
      const what = `seat list of ${formatNumber(opts.seatListSeats)} seats, micro-cache ${name === 'seatsCached' ? 'on' : 'off (SEAT_LIST_CACHE_MS=0)'}`;
      const runs = used(name);
      const shed = runs.reduce((n, x) => n + (x.statusCodes['503'] ?? 0), 0);
      const all = runs.reduce((n, x) => n + x.requests, 0);
      const refused = shed > 0 ? `, ${((100 * shed) / all).toFixed(0)} % answered 503` : '';
      return [
        speed(`${name}.rps`, `${what} (GET /v1/schedules/{id}/seats${refused})`, name, 'req/s'),
        latency(`${name}.p99`, `${what}, p99`, name, 'p99'),
      ];
    }),
  ];
}

/**
 * Where each request's time goes: CPU per request in the API, MariaDB and Redis, and what one request
 * costs MariaDB and Redis in statements (SHOW GLOBAL STATUS and INFO deltas, all clients counted).
 */
export function renderCostTable(loads: MeasuredLoad[]): string {
  const rows = [
    '| run | req/s | API µs CPU/req (event loop busy) | MariaDB µs CPU/req | Redis µs CPU/req | SQL statements/req | prepares/req | transactions/req | row-lock waits/req | data fsyncs/req | Redis commands/req | load generator cores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
  const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));
  for (const r of loads) {
    const perReq = (cores: number | undefined) =>
      cores === undefined ? undefined : (cores / r.requestsPerSecond) * 1e6;
    const c = (k: string) => (r.counters?.[k] === undefined ? undefined : r.counters[k]! / r.requests);
    // The probes (SELECT 1, the floor) run in no server: their own process is the last column.
    const server = /^(Prisma|raw|floor) /.test(r.title) ? undefined : busiestServer(r);
    const tx = (c('mysql.Com_commit') ?? 0) + (c('mysql.Com_rollback') ?? 0);
    rows.push(
      `| ${r.title} | ${formatNumber(r.requestsPerSecond)} | ` +
        `${server ? `${f1(perReq(server.cores))} (${Math.round(server.eventLoopUtilization * 100)} %)` : '—'} | ` +
        `${f1(perReq(r.cpu.processes?.MariaDB))} | ${f1(perReq(r.cpu.redisCores))} | ` +
        `${f2(c('mysql.Questions'))} | ${f2(c('mysql.Com_stmt_prepare'))} | ${f2(tx)} | ` +
        `${f2(c('mysql.Innodb_row_lock_waits'))} | ${f2(c('mysql.Innodb_data_fsyncs'))} | ` +
        `${f2(c('redis.commands'))} | ${f2(r.cpu.client.cores)} |`,
    );
  }
  return rows.join('\n');
}

async function main() {
  installInterruptHandler();
  const opts = readBookingBenchOptions(process.argv.slice(2), process.env);
  const report = await runBookingBench(opts);
  const file = writeJsonReport(opts.outDir, 'booking', report, new Date(report.startedAt));
  console.log(report.markdown);
  console.log(`\nJSON: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
