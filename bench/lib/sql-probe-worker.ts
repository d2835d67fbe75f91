/**
 * The process started by runSqlProbe: opens a Prisma client or a raw pool with the API's pool size,
 * warms up, waits for the parent's go, keeps `concurrency` queries in flight for the measured seconds
 * (or until the work's items are done) while recording every round trip, and sends the result back.
 */
import { createHash } from 'node:crypto';
import { createPrismaClient, createSqlPool } from '@concert/db';
// Not a package export: the bench runs the API's own batches, so that the floor is the same SQL.
import { createHotSql } from '../../apps/booking-api/src/db/hot-sql.ts';
import { type ChildMessage, type CpuSample, type ParentMessage, sampleCpu } from './ipc.ts';
import { summarize } from './latency.ts';
import type { SqlProbeSpec, SqlProbeWorkerResult } from './sql-probe.ts';

const MAX_SAMPLES = 4_000_000;

const send = (m: ChildMessage, then?: () => void) => process.send!(m, undefined, {}, then);

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: ParentMessage) => {
      if (m.type !== 'go') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

/**
 * `concurrency` lanes, each running the query back to back until `seconds` have passed or, with
 * `items`, until every item was taken (each once, in order).
 */
async function drive(
  query: (i: number) => Promise<unknown>,
  concurrency: number,
  seconds: number,
  record?: (ms: number) => void,
  items = Number.POSITIVE_INFINITY,
  first = 0,
): Promise<{ queries: number; errors: number; lastError?: string }> {
  const endAt = performance.now() + seconds * 1000;
  let queries = 0;
  let errors = 0;
  let lastError: string | undefined;
  let next = first;
  async function lane() {
    // Bounded by time; a lane also stops after many errors in a row rather than spin.
    let failures = 0;
    while (performance.now() < endAt && failures < 100 && next < items) {
      const t0 = performance.now();
      try {
        await query(next++);
        record?.(performance.now() - t0);
        queries++;
        failures = 0;
      } catch (err) {
        errors++;
        failures++;
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { queries, errors, ...(lastError ? { lastError } : {}) };
}

/** The work's query of item i, how many items (∞: timed) and how many of them warm up. */
async function prepare(spec: SqlProbeSpec) {
  const { work, poolSize } = spec;
  if (work.kind === 'select1' && work.driver === 'prisma') {
    const prisma = createPrismaClient(spec.databaseUrl, { poolSize });
    return { query: (_i: number) => prisma.$queryRawUnsafe('SELECT 1'), close: () => prisma.$disconnect() };
  }
  const pool = createSqlPool(spec.databaseUrl, { poolSize, acquireTimeoutMs: 10_000 });
  if (work.kind === 'select1')
    return { query: (_i: number) => pool.query('SELECT 1'), close: () => pool.end() };
  const sql = createHotSql(pool, { poolSize, maxWaitMs: 10_000 });
  if (work.kind === 'holds') {
    const hold = async (i: number) => {
      const [userId, scheduleId, seatId] = work.pairs[i]!;
      const out = await sql.hold({ userId, scheduleId, seatId, ttlSeconds: 7200, maxHoldsPerUser: 4 });
      if (out.kind !== 'held') throw new Error(`hold ${i}: ${out.kind}`);
    };
    return { query: hold, close: () => sql.close(), items: work.pairs.length, warmup: work.warmup };
  }
  const held = (await pool.query(
    `SELECT reservation_id AS id, user_id AS userId FROM Reservation
      WHERE concert_schedule_id IN (${work.scheduleIds.map(Number).join(',')}) AND status = 'PROGRESS'
      ORDER BY reservation_id LIMIT ${Number(work.count)}`,
  )) as { id: number; userId: number }[];
  if (held.length !== work.count) throw new Error(`${held.length} holds to pay, expected ${work.count}`);
  const pay = async (i: number) => {
    const { id, userId } = held[i]!;
    const requestHash = createHash('sha256').update(`[${id}]`).digest('hex');
    const claim = { endpoint: 'payments', key: `floor-pay-${id}`, requestHash };
    const decision = await sql.pay<unknown>(
      { userId: Number(userId), reservationIds: [Number(id)], ...(work.idempotencyKeys ? { claim } : {}) },
      (r) =>
        r.debited && r.completed === 1
          ? { statusCode: 201, body: { paymentId: r.paymentId, reservationIds: [id] } }
          : { statusCode: 409, body: { code: 'NOT_PAYABLE' } },
    );
    if (decision.statusCode !== 201) throw new Error(`payment of ${id}: not payable`);
  };
  return { query: pay, close: () => sql.close(), items: held.length, warmup: work.warmup };
}

async function run(spec: SqlProbeSpec): Promise<SqlProbeWorkerResult> {
  const { query, close, items, warmup = 0 } = await prepare(spec);
  try {
    if (items === undefined) {
      await query(0);
      if (spec.warmupSeconds > 0) await drive(query, spec.concurrency, spec.warmupSeconds);
    } else if (warmup > 0) {
      const w = await drive(query, spec.concurrency, spec.durationSeconds, undefined, warmup);
      if (w.errors > 0) throw new Error(`${spec.title} warm-up: ${w.errors} errors (${w.lastError})`);
    }
    send({ type: 'warmed' });
    await waitForGo();

    const latencies = new Float64Array(MAX_SAMPLES);
    let count = 0;
    const cpuBefore = sampleCpu();
    const started = performance.now();
    const r = await drive(
      query,
      spec.concurrency,
      spec.durationSeconds,
      (ms) => {
        if (count < MAX_SAMPLES) latencies[count++] = ms;
      },
      items,
      warmup,
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter: CpuSample = sampleCpu();
    send({ type: 'finished' });
    if (r.queries === 0 || (items !== undefined && r.errors > 0))
      throw new Error(`${spec.title}: no query succeeded (${r.errors} errors: ${r.lastError})`);
    return {
      queries: r.queries,
      errors: r.errors,
      seconds: Math.round(seconds * 1000) / 1000,
      latencyMs: summarize(latencies.subarray(0, count)),
      latencySamples: count,
      cpuBefore,
      cpuAfter,
    };
  } finally {
    await close().catch(() => undefined);
  }
}

if (process.send) {
  process.on('message', (m: ParentMessage) => {
    if (m.type !== 'run') return;
    run(m.spec as SqlProbeSpec)
      .then((result) => send({ type: 'result', result }, () => process.exit(0)))
      .catch((err: unknown) => {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        send({ type: 'error', message }, () => process.exit(1));
      });
  });
  process.on('disconnect', () => process.exit(0));
}
