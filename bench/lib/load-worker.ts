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
import type { HttpSpec, SqlSpec } from './measure.ts';

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The HTTP/1.1 bytes of one request, as autocannon writes them (Host, keep-alive, Content-Length). */
function encode(url: string, req: RawRequest): Buffer {
  const lines = [
    `${req.method} ${req.path} HTTP/1.1`,
    `Host: ${new URL(url).host}`,
    'Connection: keep-alive',
  ];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`${name}: ${value}`);
  if (req.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`);
}

/**
 * What a load run sends, by name (functions cannot cross to this process). Requests that vary do not
 * use autocannon's `setupRequest`: it sends every request back through autocannon's request builder,
 * and against the bare route that halved what the load generator could send (21,800 against 11,400
 * req/s, adjacent runs). autocannon 9.0.0 writes `client.getRequestBuffer()` for every request
 * (lib/httpClient.js `_doRequest`): each plan replaces it per client with ready bytes. Past the end of
 * a list of one-use requests, a path no route answers (404), so that the status check fails loudly.
 */
type Plan = (args: never, url: string) => ((client: number) => () => Buffer) | undefined;
const PLANS = {
  /** The same GET over and over: the bare route's baseline. */
  get: () => undefined,
  /** GET with `Authorization: Bearer <token>`, each connection cycling through the tokens from its own offset. */
  poll(args: { tokens: string[] }, url: string) {
    const path = new URL(url).pathname;
    const buffers = args.tokens.map((t) =>
      encode(url, { method: 'GET', path, headers: { authorization: `Bearer ${t}` } }),
    );
    // A prime stride spreads the connections' starting points over the list.
    return (client: number) => {
      let next = (client * 7919) % buffers.length;
      return () => buffers[next++ % buffers.length]!;
    };
  },
  /**
   * POST /v1/queue/tokens `{ concertId }` with a user token, a new (user, room) pair per request: the
   * first `tokens.length` requests join the first room, the next as many the second, and so on.
   */
  join(args: { concertIds: number[]; tokens: string[] }, url: string) {
    const MARKER = '<user-token>';
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${MARKER}` };
    const path = new URL(url).pathname;
    // Each room's request split around the token, so that each request is two concatenations.
    const templates = args.concertIds.map((concertId) =>
      encode(url, { method: 'POST', path, headers, body: JSON.stringify({ concertId }) })
        .toString()
        .split(MARKER),
    );
    const end = encode(url, { method: 'GET', path: '/__bench/join-pairs-exhausted' });
    let next = 0;
    const make = () => {
      const t = templates[Math.floor(next / args.tokens.length)];
      return t ? Buffer.from(t[0]! + args.tokens[next++ % args.tokens.length] + t[1]!) : end;
    };
    return () => make;
  },
  /** Every request of the run sent exactly once, in order, by whichever connection is free (a seat held once). */
  sequence(args: { requests: RawRequest[] }, url: string) {
    const buffers = args.requests.map((r) => encode(url, r));
    const end = encode(url, { method: 'GET', path: '/__bench/request-list-exhausted' });
    let next = 0;
    return () => () => buffers[next++] ?? end;
  },
} satisfies Record<string, Plan>;
export type PlanName = keyof typeof PLANS;

/**
 * The measured window, from the go (after `warmed`): every latency in an HDR histogram, and the load
 * generator's CPU until `end()` (its first call; it tells the parent the window is over).
 */
async function measuredWindow(warmed: () => Promise<void>, finished: () => void) {
  await warmed();
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const ms = (us: number) => Math.round(us) / 1000;
  const at = (p: number) => ms(h.getValueAtPercentile(p));
  const cpuBefore = sampleCpu();
  const startedAt = performance.now();
  let cpuAfter: ReturnType<typeof sampleCpu> | undefined;
  return {
    startedAt,
    record: (latencyMs: number) => h.recordValue(Math.max(1, Math.round(latencyMs * 1000))),
    end() {
      if (cpuAfter) return;
      cpuAfter = sampleCpu();
      finished();
    },
    summary: () => ({
      latencyMs: {
        p50: at(50),
        p90: at(90),
        p99: at(99),
        p999: at(99.9),
        max: ms(h.maxValue),
        mean: ms(h.mean),
      },
      latencySamples: h.totalCount,
      clientCpu: cpuBetween(cpuBefore, cpuAfter!),
    }),
  };
}

async function runHttp(spec: HttpSpec, warmed: () => Promise<void>, finished: () => void) {
  const { url, connections, pipelining, amount } = spec;
  const make = (PLANS[spec.plan.name] as (args: unknown, url: string) => ReturnType<Plan>)(
    spec.plan.args,
    url,
  );
  let clients = 0;
  const options = (duration: number, count?: number): autocannon.Options => ({
    url,
    connections,
    pipelining,
    duration,
    method: spec.plan.name === 'get' || spec.plan.name === 'poll' ? 'GET' : 'POST',
    ...(make && {
      setupClient: (client) => {
        const c = client as unknown as { getRequestBuffer?: () => Buffer };
        if (typeof c.getRequestBuffer !== 'function')
          throw new Error('this autocannon has no Client#getRequestBuffer');
        c.getRequestBuffer = make(clients++);
      },
    }),
    ...(spec.timeoutSeconds === undefined ? {} : { timeout: spec.timeoutSeconds }),
    // autocannon ignores `duration` when `amount` is set.
    ...(count === undefined ? {} : { amount: count }),
  });
  // A counted run's requests are each used once: its warm-up takes its own share of them.
  if (amount !== undefined) {
    if (spec.warmupAmount) await autocannon(options(spec.durationSeconds, spec.warmupAmount));
  } else if (spec.warmupSeconds > 0) await autocannon(options(spec.warmupSeconds));
  const w = await measuredWindow(warmed, finished);
  let lastResponseAt = w.startedAt;
  let responses = 0;
  // The window ends at a counted run's last response (autocannon notices it only at its next 1 s
  // tick), else at the end of the run.
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(options(spec.durationSeconds, amount), (err, res) =>
      err ? reject(err) : resolve(res),
    );
    run.on('response', (_client, _status, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      w.record(responseTime);
      if (amount !== undefined && ++responses >= amount) w.end();
    });
  });
  w.end();
  const activeSeconds = Math.round(lastResponseAt - w.startedAt) / 1000;
  return {
    title: spec.title,
    durationSeconds: r.duration,
    connections,
    pipelining,
    requests: r.requests.total,
    requestsPerSecond: r.requests.total / (amount === undefined ? r.duration : activeSeconds),
    activeSeconds,
    ...(amount === undefined ? {} : { amount }),
    ...w.summary(),
    statusCodes: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([c, s]) => [c, s.count ?? 0]),
    ),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    autocannon: { requestsAverage: r.requests.average, latencyP50: r.latency.p50, latencyP99: r.latency.p99 },
  };
}
export type LoadResult = Awaited<ReturnType<typeof runHttp>>;

/** The work's query of item i, how many items (none: timed) and how many of them warm up. */
type Work = {
  query: (i: number) => Promise<unknown>;
  close: () => Promise<void>;
  items?: number;
  warmup?: number;
};
async function prepareSql({ work, poolSize, databaseUrl }: SqlSpec): Promise<Work> {
  if (work.kind === 'select1' && work.driver === 'prisma') {
    const prisma = createPrismaClient(databaseUrl, { poolSize });
    return { query: (_i: number) => prisma.$queryRawUnsafe('SELECT 1'), close: () => prisma.$disconnect() };
  }
  const pool = createSqlPool(databaseUrl, { poolSize, acquireTimeoutMs: 10_000 });
  if (work.kind === 'select1')
    return { query: (_i: number) => pool.query('SELECT 1'), close: () => pool.end() };
  const sql = createHotSql(pool, { poolSize, maxWaitMs: 10_000 });
  const counted = { close: () => sql.close(), warmup: work.warmup };
  if (work.kind === 'holds') {
    const hold = async (i: number) => {
      const [userId, scheduleId, seatId] = work.pairs[i]!;
      const out = await sql.hold({ userId, scheduleId, seatId, ttlSeconds: 7200, maxHoldsPerUser: 4 });
      if (out.kind !== 'held') throw new Error(`hold ${i}: ${out.kind}`);
    };
    return { ...counted, query: hold, items: work.pairs.length };
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
  return { ...counted, query: pay, items: held.length };
}

/**
 * `concurrency` lanes running the query back to back for `seconds`, or until items first…items-1 are
 * taken; a lane also stops after 100 errors in a row rather than spin.
 */
async function drive(
  work: Work,
  spec: SqlSpec,
  seconds: number,
  items: number,
  first = 0,
  record = (_ms: number) => {},
) {
  const endAt = performance.now() + seconds * 1000;
  const out = { queries: 0, errors: 0, lastError: '' };
  let next = first;
  const lane = async () => {
    for (let failures = 0; performance.now() < endAt && failures < 100 && next < items; ) {
      const t0 = performance.now();
      try {
        await work.query(next++);
        record(performance.now() - t0);
        out.queries++;
        failures = 0;
      } catch (err) {
        out.errors++;
        failures++;
        out.lastError = err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  return out;
}

async function runSql(spec: SqlSpec, warmed: () => Promise<void>, finished: () => void): Promise<LoadResult> {
  const work = await prepareSql(spec);
  const { items = Number.POSITIVE_INFINITY, warmup = 0 } = work;
  try {
    if (work.items === undefined) {
      await work.query(0);
      if (spec.warmupSeconds > 0) await drive(work, spec, spec.warmupSeconds, items);
    } else if (warmup > 0) {
      const r = await drive(work, spec, spec.durationSeconds, warmup);
      if (r.errors > 0) throw new Error(`${spec.title} warm-up: ${r.errors} errors (${r.lastError})`);
    }
    const w = await measuredWindow(warmed, finished);
    const r = await drive(work, spec, spec.durationSeconds, items, warmup, w.record);
    const seconds = Math.round(performance.now() - w.startedAt) / 1000;
    w.end();
    if (r.queries === 0 || (work.items !== undefined && r.errors > 0))
      throw new Error(`${spec.title}: no query succeeded (${r.errors} errors: ${r.lastError})`);
    const summary = w.summary();
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
      // Not autocannon: the probe's own figures, so that the shape stays one.
      autocannon: {
        requestsAverage: rps,
        latencyP50: summary.latencyMs.p50,
        latencyP99: summary.latencyMs.p99,
      },
    };
  } finally {
    await work.close().catch(() => undefined);
  }
}

serveLoad<HttpSpec | SqlSpec>((spec, warmed, finished) =>
  'work' in spec ? runSql(spec, warmed, finished) : runHttp(spec, warmed, finished),
);
