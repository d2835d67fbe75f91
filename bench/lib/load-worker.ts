/**
 * The load process of lib/child.ts `runInChild`: an autocannon run (`http`) or a database baseline
 * (`sql`). It warms up, waits for the go, records every latency of the measured run in an HDR histogram
 * (3 significant digits, microseconds) and answers one LoadResult.
 */
import { createHash } from 'node:crypto';
import { createPrismaClient, createSqlPool } from '@concert/db';
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
// Not a package export: the floor runs the API's own batches, so that it is the same SQL.
import { createHotSql } from '../../apps/booking-api/src/db/hot-sql.ts';
import { cpuBetween, sampleCpu, serveLoad } from './child.ts';
import type { HttpSpec, LoadResult, SqlSpec } from './measure.ts';
import { PLANS } from './plans.ts';

function recorder() {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    record: (latencyMs: number) => h.recordValue(Math.max(1, Math.round(latencyMs * 1000))),
    summary: () => ({
      latencyMs: {
        ...Object.fromEntries(
          [50, 90, 99, 99.9].map((p) => [`p${String(p).replace('.', '')}`, ms(h.getValueAtPercentile(p))]),
        ),
        max: ms(h.maxValue),
        mean: ms(h.mean),
      } as { p50: number; p90: number; p99: number; p999: number; max: number; mean: number },
      latencySamples: h.totalCount,
    }),
  };
}

export async function runHttp(spec: HttpSpec, warmed: () => Promise<void>, finished: () => void) {
  const plan = PLANS[spec.plan.name](spec.plan.args as never, spec.url);
  const { url, connections, pipelining, amount } = spec;
  if (amount !== undefined && !(amount >= connections))
    throw new Error(`${spec.title}: amount ${amount} must be at least the ${connections} connections`);
  const options = (duration: number, count?: number): autocannon.Options => ({
    ...plan,
    url,
    connections,
    pipelining,
    duration,
    ...(spec.timeoutSeconds === undefined ? {} : { timeout: spec.timeoutSeconds }),
    // autocannon ignores `duration` when `amount` is set.
    ...(count === undefined ? {} : { amount: count }),
  });
  // A counted run's requests are each used once: its warm-up takes its own share of them.
  if (amount !== undefined) {
    if (spec.warmupAmount) await autocannon(options(spec.durationSeconds, spec.warmupAmount));
  } else if (spec.warmupSeconds > 0) await autocannon(options(spec.warmupSeconds));
  await warmed();
  const latencies = recorder();
  const cpuBefore = sampleCpu();
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  let responses = 0;
  let cpuAfter: ReturnType<typeof sampleCpu> | undefined;
  // The end of the measured window: a counted run's last response (autocannon notices it only at its
  // next 1 s tick), else the end of the run.
  const finish = () => {
    if (cpuAfter) return;
    cpuAfter = sampleCpu();
    finished();
  };
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(options(spec.durationSeconds, amount), (err, res) =>
      err ? reject(err) : resolve(res),
    );
    run.on('response', (_client, _status, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      latencies.record(responseTime);
      if (amount !== undefined && ++responses >= amount) finish();
    });
  });
  finish();
  const activeSeconds = Math.round(lastResponseAt - startedAt) / 1000;
  const statusCodes = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([c, s]) => [c, s.count ?? 0]),
  );
  return {
    title: spec.title,
    durationSeconds: r.duration,
    connections,
    pipelining,
    requests: r.requests.total,
    requestsPerSecond: r.requests.total / (amount === undefined ? r.duration : activeSeconds),
    activeSeconds,
    ...(amount === undefined ? {} : { amount }),
    ...latencies.summary(),
    statusCodes,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    clientCpu: cpuBetween(cpuBefore, cpuAfter!),
    autocannon: { requestsAverage: r.requests.average, latencyP50: r.latency.p50, latencyP99: r.latency.p99 },
  };
}

/** The work's query of item i, how many items (none: timed) and how many of them warm up. */
async function prepareSql(spec: SqlSpec) {
  const { work, poolSize, databaseUrl } = spec;
  if (work.kind === 'select1' && work.driver === 'prisma') {
    const prisma = createPrismaClient(databaseUrl, { poolSize });
    return { query: (_i: number) => prisma.$queryRawUnsafe('SELECT 1'), close: () => prisma.$disconnect() };
  }
  const pool = createSqlPool(databaseUrl, { poolSize, acquireTimeoutMs: 10_000 });
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
    const claim = {
      endpoint: 'payments',
      key: `floor-pay-${id}`,
      requestHash: createHash('sha256').update(`[${id}]`).digest('hex'),
    };
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

/** `concurrency` lanes running the query back to back for `seconds`, or until items first…items-1 are taken. */
async function drive(
  query: (i: number) => Promise<unknown>,
  spec: SqlSpec,
  seconds: number,
  record?: (ms: number) => void,
  items = Number.POSITIVE_INFINITY,
  first = 0,
) {
  const endAt = performance.now() + seconds * 1000;
  const out = { queries: 0, errors: 0, lastError: '' };
  let next = first;
  async function lane() {
    // A lane also stops after 100 errors in a row rather than spin.
    for (let failures = 0; performance.now() < endAt && failures < 100 && next < items; ) {
      const t0 = performance.now();
      try {
        await query(next++);
        record?.(performance.now() - t0);
        out.queries++;
        failures = 0;
      } catch (err) {
        out.errors++;
        failures++;
        out.lastError = err instanceof Error ? err.message : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  return out;
}

async function runSql(spec: SqlSpec, warmed: () => Promise<void>, finished: () => void): Promise<LoadResult> {
  const { query, close, items, warmup = 0 } = await prepareSql(spec);
  try {
    if (items === undefined) {
      await query(0);
      if (spec.warmupSeconds > 0) await drive(query, spec, spec.warmupSeconds);
    } else if (warmup > 0) {
      const w = await drive(query, spec, spec.durationSeconds, undefined, warmup);
      if (w.errors > 0) throw new Error(`${spec.title} warm-up: ${w.errors} errors (${w.lastError})`);
    }
    await warmed();
    const latencies = recorder();
    const cpuBefore = sampleCpu();
    const started = performance.now();
    const r = await drive(query, spec, spec.durationSeconds, latencies.record, items, warmup);
    const seconds = Math.round(performance.now() - started) / 1000;
    const cpuAfter = sampleCpu();
    finished();
    if (r.queries === 0 || (items !== undefined && r.errors > 0))
      throw new Error(`${spec.title}: no query succeeded (${r.errors} errors: ${r.lastError})`);
    const summary = latencies.summary();
    const rps = r.queries / seconds;
    return {
      title: spec.title,
      durationSeconds: seconds,
      activeSeconds: seconds,
      connections: spec.concurrency,
      pipelining: 1,
      requests: r.queries,
      requestsPerSecond: rps,
      ...summary,
      statusCodes: {},
      non2xx: 0,
      errors: r.errors,
      timeouts: 0,
      clientCpu: cpuBetween(cpuBefore, cpuAfter),
      // Not autocannon: the probe's own figures, so that the shape stays one.
      autocannon: {
        requestsAverage: rps,
        latencyP50: summary.latencyMs.p50,
        latencyP99: summary.latencyMs.p99,
      },
    };
  } finally {
    await close().catch(() => undefined);
  }
}

serveLoad<HttpSpec | SqlSpec>((spec, warmed, finished) =>
  'work' in spec ? runSql(spec, warmed, finished) : runHttp(spec, warmed, finished),
);
