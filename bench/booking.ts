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
import { dropDatabase, mulberry32, round } from '@concert/testing';
import type { RawRequest } from './lib/load-worker.ts';
import {
  assertStatuses,
  type MeasuredLoad,
  measure,
  measureBare,
  type Observed,
  type SqlSpec,
  timed,
} from './lib/measure.ts';
import { createConcertsOverHttp, readMysqlCounters, readMysqlPid, seedUsers } from './lib/mysql.ts';
import { activateUsers } from './lib/queue.ts';
import { readInfo } from './lib/redis.ts';
import {
  describeMachine,
  figure,
  formatNumber,
  medians,
  renderBaselinesTable,
  renderCostTable,
  renderCpuTable,
  type Value,
} from './lib/report.ts';
import { type Log, openSession, readOptions, runCli } from './lib/runner.ts';

const SPEC = {
  /** Measured holds per round, each a distinct (user, seat) pair, after `holdWarmup` more. */
  holds: { default: 15_000, tiny: 200, min: 1 },
  holdWarmup: { default: 1_500, tiny: 0 },
  /** The contention case: this many hold requests, from as many distinct users, for `contentionSeats` seats. */
  contentionRequests: { default: 10_000, tiny: 500, min: 1 },
  contentionSeats: { default: 50, min: 1, max: 99 },
  contentionConnections: { default: 50, tiny: 10, min: 1, follows: 'connections' },
  /** Measured payments per round, each of one distinct hold with its own token, after `paymentWarmup` more. */
  payments: { default: 8_000, tiny: 100, min: 1 },
  paymentWarmup: { default: 800, tiny: 0 },
  /** Seats of the seat list's date (GET /v1/schedules/{id}/seats, `connections` ACTIVE tokens; API.md's most). */
  seatListSeats: { default: 20_000, tiny: 1_500, min: 1, max: 20_000 },
  /** Payments carry an Idempotency-Key, as the project's clients send them. */
  idempotencyKeys: { default: true },
  /** `hold`: paid in the order held (an on-sale); `spread`: consecutive payments are of different schedules. */
  paymentOrder: { default: 'hold' },
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
} as const;

/** Seats per schedule of the distinct-seat holds (the seed's size). */
const SEATS = 50;
/** Each payer's balance: enough for every hold it could pay. */
const PAYER_BALANCE = 1_000_000;
const BENCH_OWNED_ENV =
  /^(DATABASE_URL|DATABASE_POOL_SIZE|REDIS_URL|REDIS_KEY_PREFIX|QUEUE_TOKEN_SECRET|AUTH_JWT_SECRET|ADMIN_API_KEY)$/;
/** Admits everyone at once and keeps them ACTIVE for longer than any run. */
const BIG = 1_000_000_000;
const WIDE_ROOM = {
  maxActive: BIG,
  admitPerSecond: BIG,
  activeTtlSeconds: 3 * 3600,
  idleTimeoutSeconds: 86_400,
  maxWaiting: BIG,
};
const LOADS = [
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
type LoadName = (typeof LOADS)[number];
/**
 * One round's contention case: `successes` (201 answers), `seatsWithOneLiveReservation` (seats of the
 * schedule with exactly one PROGRESS or COMPLETED reservation in MySQL) and `liveReservations` must
 * each equal the seats.
 */
type ContentionCheck = Record<
  'round' | 'scheduleId' | 'requests' | 'successes' | 'seatsWithOneLiveReservation' | 'liveReservations',
  number
>;

export type BookingBenchOptions = ReturnType<typeof readBookingBenchOptions>;

export function readBookingBenchOptions(argv: readonly string[], env: Record<string, string | undefined>) {
  const o = readOptions(SPEC, argv, env);
  // `KEY=VALUE,…`, but for the variables the bench itself sets for the API.
  const apiEnv: Record<string, string> = {};
  for (const pair of o.apiEnv.split(',').filter(Boolean)) {
    const [, key, value] = /^\s*([A-Z][A-Z0-9_]*)\s*=(.*)$/.exec(pair) ?? [];
    if (!key) throw new Error(`--api-env: expected KEY=VALUE, got ${pair}`);
    if (BENCH_OWNED_ENV.test(key))
      throw new Error(`--api-env: ${key} is set by the bench (use its own flag)`);
    apiEnv[key] = value!;
  }
  const problems = [
    ...(['durationSeconds', 'rounds', 'holds', 'contentionRequests', 'payments'] as const)
      .filter((k) => !Number.isInteger(o[k]))
      .map((k) => `${k} must be an integer, got ${o[k]}`),
    // Payments pay the holds of the same round; a counted run keeps every connection busy.
    o.payments + o.paymentWarmup > o.holds + o.holdWarmup &&
      '--payments + --payment-warmup must be at most --holds + --hold-warmup',
    ...(
      [
        ['holds', o.holds, o.connections],
        ['contention-requests', o.contentionRequests, o.contentionConnections],
        ['payments', o.payments, o.connections],
      ] as const
    ).map(([n, amount, c]) => amount < c && `--${n} (${amount}) must be at least the connections (${c})`),
    !['hold', 'spread'].includes(o.paymentOrder) && '--payment-order must be hold or spread',
    !/^[a-z0-9_]{1,40}$/.test(o.databaseName) && '--database-name: 1-40 of [a-z0-9_]',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { ...o, paymentOrder: o.paymentOrder as 'hold' | 'spread', apiEnv };
}

/** `count` seat indexes, each of `seats` equally often (±1), in an order shuffled by a seeded PRNG. */
function shuffledDeck(count: number, seats: number, seed: number): number[] {
  const deck = Array.from({ length: count }, (_, i) => i % seats);
  const random = mulberry32(seed);
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  return deck;
}

const describeRun = (r: MeasuredLoad) =>
  `${r.title}: ${formatNumber(r.requestsPerSecond)}/s, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`;
const bearer = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

export async function runBookingBench(o: BookingBenchOptions, print: Log = (l) => console.error(l)) {
  const startedAt = new Date();
  const log: Log = (line) => print(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s] ${line}`);
  const database = `concert_test_${o.databaseName}`;
  const databaseUrl = replaceDatabaseName(o.mysqlUrl, database);
  // What is dropped below must be the bench's own database, whatever the server URL held.
  if (parseDatabaseUrl(databaseUrl).database !== database) throw new Error(`bad database URL ${databaseUrl}`);
  let db: PrismaClient | undefined;
  const s = await openSession('booking', o, log, async () => {
    await db?.$disconnect().catch(() => undefined);
    await dropDatabase(databaseUrl).then(
      () => log(`  dropped database ${database}`),
      (err: Error) => log(`  dropping ${database} failed: ${err.message}`),
    );
  });
  // Who is who: the holds' (and payments') users first, then as many for the floor (payers too, no
  // tokens), then the contention's, then the seat list's; all distinct. The dates in the same order.
  const perRound = o.holdWarmup + o.holds;
  const schedulesPerRound = Math.ceil(perRound / SEATS);
  const holdUsers = o.rounds * perRound;
  const firstContentionUser = 1 + 2 * holdUsers;
  const firstSeatListUser = firstContentionUser + o.rounds * o.contentionRequests;
  const allUsers = firstSeatListUser - 1 + o.connections;
  log(
    `bench:booking: database ${database}, prefix ${s.prefix}; ${o.rounds} round(s); ${o.connections} connections, pool ${o.poolSize}`,
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
      await seedUsers(db, allUsers, 2 * holdUsers, PAYER_BALANCE);
    });
    const sql = db!;
    log(`  seeded ${formatNumber(allUsers)} users in ${setup.seedSeconds} s`);

    // The baseline route, the API as production runs it (workers inline), and one without the seat-list
    // cache. HOLD_TTL_SECONDS: longer than the whole bench, so that no hold expires under it.
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

    // The catalog, through the API as an operator creates it: the holds' dates, the floor's as many, a
    // contention date a round, the seat list's.
    const c = await time('catalogSeconds', async () => {
      const make = (name: string, dates: number, seats: number) =>
        createConcertsOverHttp(sql, {
          apiUrl: api.url,
          adminKey: s.adminKey,
          price: 10_000,
          name,
          dates,
          seats,
        });
      const holds = await make('bench holds', o.rounds * schedulesPerRound, SEATS);
      const floor = await make('bench floor', o.rounds * schedulesPerRound, SEATS);
      const contention = await make('bench contention', o.rounds, o.contentionSeats);
      const [seatList] = await make('bench seat list', 1, o.seatListSeats);
      const concertIds = [...new Set([...holds, ...contention, seatList!].map((d) => d.concertId))];
      return { holds, floor, contention, seatList: seatList!, concertIds };
    });
    log(
      `  created ${c.concertIds.length} concerts: ${formatNumber(c.holds.length)} (+${c.floor.length} floor) dates × ` +
        `${SEATS} seats, ${c.contention.length} × ${o.contentionSeats} contended seats and ` +
        `1 × ${formatNumber(o.seatListSeats)} in ${setup.catalogSeconds} s`,
    );

    // ACTIVE tokens for every user but the floor's, through the real queue scripts, for the concert of
    // the date it uses: the users of one concert are consecutive.
    const tokenOf = await time('tokensSeconds', async () => {
      const tokens = new Map<number, string>();
      const concertOf = (userId: number): number => {
        if (userId >= firstSeatListUser) return c.seatList.concertId;
        if (userId >= firstContentionUser)
          return c.contention[Math.floor((userId - firstContentionUser) / o.contentionRequests)]!.concertId;
        const [round, i] = [Math.floor((userId - 1) / perRound), (userId - 1) % perRound];
        return c.holds[round * schedulesPerRound + Math.floor(i / SEATS)]!.concertId;
      };
      for (const concertId of c.concertIds) await s.queue.openRoom(concertId, WIDE_ROOM, WIDE_ROOM);
      for (let first = 1; first <= allUsers; ) {
        if (first === holdUsers + 1) first = firstContentionUser;
        const concertId = concertOf(first);
        const last = first <= holdUsers ? holdUsers : allUsers;
        let count = 1;
        while (first + count <= last && concertOf(first + count) === concertId) count++;
        const sign = (claims: { concertId: number; userId: number; tokenId: number }) =>
          s.codec.signToken(claims);
        for (const u of await activateUsers(s.queue, sign, { concertId, firstUserId: first, count }))
          tokens.set(u.userId, u.token);
        first += count;
      }
      return tokens;
    });
    log(`  ${formatNumber(tokenOf.size)} ACTIVE tokens in ${setup.tokensSeconds} s`);
    // The inline journal records every join and admission in MySQL (and trims the room's events); let it
    // finish before measuring.
    await time('journalSeconds', async () => {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const lengths = await Promise.all(
          c.concertIds.map((id) => s.redis.xlen(s.queue.keys.room(id).events)),
        );
        if (lengths.every((n) => n === 0)) return;
        if (Date.now() > deadline)
          throw new Error(`the journal has not caught up: ${lengths.join(', ')} events left`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    log(`  journal caught up in ${setup.journalSeconds} s`);

    const mariadbPid = await readMysqlPid(sql);
    const observed: Observed = {
      servers: [bare, api, uncached],
      redis: s.redis,
      ...(mariadbPid ? { processes: [{ name: 'MariaDB', pid: mariadbPid }] } : {}),
      counters: async () => {
        const [mysql, stats] = await Promise.all([readMysqlCounters(sql), readInfo(s.redis, 'stats')]);
        return { ...mysql, 'redis.commands': Number(stats.total_commands_processed ?? 0) };
      },
    };
    const loads = Object.fromEntries(LOADS.map((k) => [k, [] as MeasuredLoad[]])) as Record<
      LoadName,
      MeasuredLoad[]
    >;
    const contention: ContentionCheck[] = [];
    const count = async (query: string) => Number((await sql.$queryRawUnsafe<{ n: bigint }[]>(query))[0]?.n);

    for (let r = 0; r < o.rounds; r++) {
      log(
        `  round ${r + 1}/${o.rounds}: bare route, SELECT 1 ×2, floor, holds, contention, payments, seat list ×2…`,
      );
      const run = async (name: LoadName, spec: Parameters<typeof measure>[0], statuses?: number[]) => {
        const result = await measure(spec, observed);
        if (statuses) assertStatuses(result, statuses);
        else if (result.errors > 0) throw new Error(`${result.title}: ${result.errors} failed queries`);
        log(
          `    ${describeRun(result)}${name === 'contention' ? `, ${result.statusCodes['201'] ?? 0} × 201` : ''}`,
        );
        loads[name].push(result);
        return result;
      };
      /** A run of requests each sent once, counted (`amount`), bounded by --max-run-seconds. */
      const counted = (title: string, requests: RawRequest[], amount: number, warmup: number) => ({
        title: `${title} #${r + 1}`,
        url: `${api.url}${requests[0]!.path}`,
        durationSeconds: o.maxRunSeconds,
        warmupSeconds: 0,
        connections: o.connections,
        pipelining: o.pipelining,
        amount,
        ...(warmup > 0 ? { warmupAmount: warmup } : {}),
        plan: { name: 'sequence' as const, args: { requests } },
      });
      /** A database baseline in the SQL probe: timed (`SELECT 1`) or counted (the floor). */
      const probe = (name: LoadName, title: string, work: SqlSpec['work']) => {
        const isCounted = work.kind !== 'select1';
        const spec = {
          title: `${title} #${r + 1}`,
          databaseUrl,
          poolSize: o.poolSize,
          concurrency: o.connections,
          work,
        };
        const durationSeconds = isCounted ? o.maxRunSeconds : o.durationSeconds;
        return run(name, { ...spec, warmupSeconds: isCounted ? 0 : o.warmupSeconds, durationSeconds });
      };
      const holdDate = (dates: typeof c.holds, i: number) =>
        dates[r * schedulesPerRound + Math.floor(i / SEATS)]!;
      const scheduleIds = (dates: typeof c.holds) =>
        dates.slice(r * schedulesPerRound, (r + 1) * schedulesPerRound).map((d) => d.scheduleId);

      loads.bare.push(await measureBare(o, bare, r + 1, observed));
      log(`    ${describeRun(loads.bare.at(-1)!)}`);
      await probe('select1', 'Prisma SELECT 1', { kind: 'select1', driver: 'prisma' });
      await probe('rawSelect1', 'raw SELECT 1', { kind: 'select1', driver: 'raw' });

      // The floor: the API's batches on its own dates and users, holds then payments of those holds.
      const pairs = Array.from({ length: perRound }, (_, i): [number, number, number] => {
        const date = holdDate(c.floor, i);
        return [1 + holdUsers + r * perRound + i, date.scheduleId, date.seatIds[i % SEATS]!];
      });
      await probe('floorHolds', 'floor holds', { kind: 'holds', pairs, warmup: o.holdWarmup });
      await probe('floorPayments', 'floor payments', {
        kind: 'payments',
        scheduleIds: scheduleIds(c.floor),
        count: o.paymentWarmup + o.payments,
        warmup: o.paymentWarmup,
        idempotencyKeys: o.idempotencyKeys,
      });

      // Holds on distinct seats: request i is user i of this round on seat i of this round's dates; all
      // 201, then as many PROGRESS rows.
      const holds = Array.from({ length: perRound }, (_, i) => {
        const date = holdDate(c.holds, i);
        const body = JSON.stringify({ scheduleId: date.scheduleId, seatId: date.seatIds[i % SEATS]! });
        return {
          method: 'POST',
          path: '/v1/reservations',
          headers: bearer(tokenOf.get(1 + r * perRound + i)!),
          body,
        };
      });
      await run('holds', counted('holds', holds, o.holds, o.holdWarmup), [201]);
      const held = await sql.$queryRawUnsafe<{ id: number; userId: number }[]>(
        `SELECT reservation_id AS id, user_id AS userId FROM Reservation
          WHERE concert_schedule_id IN (${scheduleIds(c.holds).join(',')}) AND status = 'PROGRESS' ORDER BY reservation_id`,
      );
      if (held.length !== perRound)
        throw new Error(
          `holds #${r + 1}: ${held.length} PROGRESS reservations in MySQL, expected ${perRound}`,
        );

      // Contention: every request a distinct user, each seat asked for equally often, shuffled; exactly
      // one hold per seat.
      const date = c.contention[r]!;
      const rush = shuffledDeck(o.contentionRequests, o.contentionSeats, 0x5eed + r).map((seat, i) => ({
        method: 'POST',
        path: '/v1/reservations',
        headers: bearer(tokenOf.get(firstContentionUser + r * o.contentionRequests + i)!),
        body: JSON.stringify({ scheduleId: date.scheduleId, seatId: date.seatIds[seat]! }),
      }));
      const spec = {
        ...counted('contention', rush, o.contentionRequests, 0),
        connections: o.contentionConnections,
      };
      const rushed = await run('contention', spec, [201, 409]);
      const rows = await sql.$queryRawUnsafe<{ live: bigint }[]>(
        `SELECT COUNT(*) AS live FROM Reservation
          WHERE concert_schedule_id = ${date.scheduleId} AND status IN ('PROGRESS', 'COMPLETED') GROUP BY seat_id`,
      );
      const check = {
        round: r + 1,
        scheduleId: date.scheduleId,
        requests: o.contentionRequests,
        successes: rushed.statusCodes['201'] ?? 0,
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
      contention.push(check);

      // Payments: each pays one of this round's holds with its owner's token; all 201, then as many
      // COMPLETED rows. `spread`: the k-th hold of every schedule, then the (k+1)-th… (in id order).
      const order =
        o.paymentOrder === 'hold'
          ? held
          : Array.from({ length: SEATS }, (_, k) => held.filter((_, i) => i % SEATS === k)).flat();
      const payments = order.slice(0, o.paymentWarmup + o.payments).map((h) => ({
        method: 'POST',
        path: '/v1/payments',
        headers: {
          ...bearer(tokenOf.get(Number(h.userId))!),
          ...(o.idempotencyKeys ? { 'idempotency-key': `bench-pay-${h.id}` } : {}),
        },
        body: JSON.stringify({ reservationIds: [Number(h.id)] }),
      }));
      await run('payments', counted('payments', payments, o.payments, o.paymentWarmup), [201]);
      const paid = await count(
        `SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id IN (${scheduleIds(c.holds).join(',')})
          AND status = 'COMPLETED' AND payment_id IS NOT NULL`,
      );
      if (paid !== payments.length)
        throw new Error(`payments #${r + 1}: ${paid} COMPLETED reservations, expected ${payments.length}`);

      // The seat list of the big date, a distinct ACTIVE token per connection. Without the cache, a
      // 20,000-seat list takes seconds to answer 50 connections at once, and the API may shed load (503
      // when a request waited too long for MySQL): reported.
      const tokens = Array.from({ length: o.connections }, (_, i) => tokenOf.get(firstSeatListUser + i)!);
      for (const [name, server, label] of [
        ['seatsCached', api, 'cache on'],
        ['seatsUncached', uncached, 'cache off'],
      ] as const) {
        const url = `${server.url}/v1/schedules/${c.seatList.scheduleId}/seats`;
        const list = { ...timed(o), title: `seat list, ${label} #${r + 1}`, url, timeoutSeconds: 60 };
        await run(
          name,
          { ...list, plan: { name: 'poll', args: { tokens } } },
          name === 'seatsCached' ? [200] : [200, 503],
        );
      }
    }
    await s.stopServers();

    // Money moved consistently: every balance equals the sum of its ledger.
    const unbalanced = await count(
      `SELECT COUNT(*) AS n FROM Balance b
        WHERE b.\`value\` <> (SELECT COALESCE(SUM(l.amount), 0) FROM Balance_Ledger l WHERE l.user_id = b.user_id)`,
    );
    if (unbalanced !== 0) throw new Error(`${unbalanced} balances differ from their ledger`);

    const { rps, lat, used, runsUsed, note } = medians(loads, o.maxOtherCores);
    const v = (label: string, value: number, unit: string): Value => ({ label, value, unit });
    const bareRps = v('bare route', rps('bare'), 'req/s');
    const selectRps = v('Prisma SELECT 1', rps('select1'), 'queries/s');
    const rawRps = v('raw SELECT 1', rps('rawSelect1'), 'queries/s');
    const bareLat = (p: 'p50' | 'p99') => v(`bare route ${p}`, lat('bare', p), 'ms');
    const floorOf = { holds: 'floorHolds', payments: 'floorPayments' } as Partial<Record<LoadName, LoadName>>;
    /** A figure of the API beside every baseline: bare route, Prisma and raw SELECT 1, the floor. */
    const speed = (id: string, label: string, name: LoadName, unit: string, threshold?: number) => {
      const floor = floorOf[name];
      return figure(id, label, rps(name), unit, {
        baseline: bareRps,
        moreBaselines: [selectRps, rawRps, ...(floor ? [v(`database floor ${name}`, rps(floor), unit)] : [])],
        ...(threshold === undefined ? {} : { target: { on: 'value', op: '>=', threshold } }),
      });
    };
    const latency = (id: string, label: string, name: LoadName, p: 'p50' | 'p99', threshold?: number) => {
      const floor = floorOf[name];
      return figure(id, label, lat(name, p), 'ms', {
        baseline: bareLat(p),
        moreBaselines: [
          v(`Prisma SELECT 1 ${p}`, lat('select1', p), 'ms'),
          v(`raw SELECT 1 ${p}`, lat('rawSelect1', p), 'ms'),
          ...(floor ? [v(`database floor ${p}`, lat(floor, p), 'ms')] : []),
        ],
        ...(threshold === undefined ? {} : { target: { on: 'value', op: '<=', threshold } }),
      });
    };
    // Every round must give exactly `seats`; the figure shows the value every round gave, or the worst.
    const seats = o.contentionSeats;
    const exactly = (id: string, label: string, pick: (c: ContentionCheck) => number, unit: string) => {
      const [lo, hi] = [Math.min(...contention.map(pick)), Math.max(...contention.map(pick))];
      return figure(id, label, lo === hi || lo !== seats ? lo : hi, unit, {
        target: { on: 'value', op: '==', threshold: seats },
      });
    };
    const requests = formatNumber(o.contentionRequests);
    const pool = `pool ${o.poolSize}, ${o.connections} in flight`;
    const figures = [
      figure('bare.rps', 'bare Fastify route', rps('bare'), 'req/s', { note: 'baseline' }),
      figure('bare.p50', 'bare route p50', lat('bare', 'p50'), 'ms'),
      figure('bare.p99', 'bare route p99', lat('bare', 'p99'), 'ms'),
      figure('select1.rps', `Prisma SELECT 1 round trips (${pool})`, rps('select1'), 'queries/s', {
        baseline: bareRps,
        note: 'baseline',
      }),
      figure('select1.p50', 'Prisma SELECT 1 p50', lat('select1', 'p50'), 'ms', { baseline: bareLat('p50') }),
      figure('select1.p99', 'Prisma SELECT 1 p99', lat('select1', 'p99'), 'ms', { baseline: bareLat('p99') }),
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
      figure('rawSelect1.p99', 'raw SELECT 1 p99', lat('rawSelect1', 'p99'), 'ms', {
        baseline: bareLat('p99'),
      }),
      ...(['floorHolds', 'floorPayments'] as const).flatMap((name) => {
        const what = name === 'floorHolds' ? 'hold' : 'payment';
        const label = `database floor: the ${what} batch via createHotSql, no HTTP (${pool})`;
        return [
          figure(`${name}.rps`, label, rps(name), `${what}s/s`, {
            baseline: bareRps,
            moreBaselines: [selectRps, rawRps],
            note: 'baseline',
          }),
          figure(`${name}.p99`, `database floor ${what} p99`, lat(name, 'p99'), 'ms', {
            baseline: bareLat('p99'),
            moreBaselines: [v('raw SELECT 1 p99', lat('rawSelect1', 'p99'), 'ms')],
          }),
        ];
      }),
      speed(
        'holds.rps',
        'holds on distinct seats (POST /v1/reservations, all 201)',
        'holds',
        'holds/s',
        1_000,
      ),
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
      exactly(
        'contention.successes',
        `contention: 201 answers (of ${requests}), every round`,
        (x) => x.successes,
        'holds',
      ),
      exactly(
        'contention.seatsWithOneLiveReservation',
        'contention: seats with exactly one live reservation in MySQL, every round',
        (x) => x.seatsWithOneLiveReservation,
        'seats',
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
        const cache = name === 'seatsCached' ? 'on' : 'off (SEAT_LIST_CACHE_MS=0)';
        const what = `seat list of ${formatNumber(o.seatListSeats)} seats, micro-cache ${cache}`;
        const runs = used(name);
        const shed = runs.reduce((n, x) => n + (x.statusCodes['503'] ?? 0), 0);
        const total = runs.reduce((n, x) => n + x.requests, 0);
        const refused = shed > 0 ? `, ${((100 * shed) / total).toFixed(0)} % answered 503` : '';
        return [
          speed(`${name}.rps`, `${what} (GET /v1/schedules/{id}/seats${refused})`, name, 'req/s'),
          latency(`${name}.p99`, `${what}, p99`, name, 'p99'),
        ];
      }),
    ];
    const all = LOADS.flatMap((k) => loads[k]);
    const sizes =
      `Pool ${o.poolSize}, ${o.connections} connections (contention ${o.contentionConnections}); per round ` +
      `${formatNumber(o.holds)} holds (+${formatNumber(o.holdWarmup)} warm-up), ` +
      `${requests} contention requests, ${formatNumber(o.payments)} payments ` +
      `(+${formatNumber(o.paymentWarmup)} warm-up, ${o.idempotencyKeys ? 'with' : 'without'} Idempotency-Key, ${o.paymentOrder} order).`;
    const columns = [
      { title: 'vs bare Fastify route (same run)', prefix: 'bare route' },
      { title: 'vs Prisma SELECT 1', prefix: 'Prisma SELECT 1' },
      { title: 'vs raw SELECT 1', prefix: 'raw SELECT 1' },
      { title: 'vs database floor (no HTTP)', prefix: 'database floor' },
    ];
    const markdown = [
      renderBaselinesTable(figures, columns),
      '',
      `Figures are ${note} ${sizes}`,
      '',
      renderCpuTable(all, o.maxOtherCores),
      '',
      renderCostTable(all),
    ];
    return {
      bench: 'booking' as const,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: describeMachine(),
      options: o,
      database,
      redisPrefix: s.prefix,
      figures,
      loads,
      runsUsed,
      contention,
      setup,
      markdown: markdown.join('\n'),
    };
  } finally {
    await s.close();
  }
}

await runCli(import.meta.url, 'booking', readBookingBenchOptions, runBookingBench);
