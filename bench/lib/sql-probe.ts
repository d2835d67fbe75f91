import type { LatencySummary, LoadResult, RunHooks } from './autocannon.ts';
import { forkTs, sendToChild, waitForMessage } from './child-process.ts';
import { cpuBetween } from './ipc.ts';

/**
 * A database baseline, with the pool size the API runs with and as many queries in flight as the HTTP
 * runs have connections. `select1`: round trips of one trivial statement for a time, through the
 * services' own Prisma client (`createPrismaClient`) or the raw driver (`createSqlPool`). `holds` and
 * `payments`: the database floor, the API's own hold and payment batches (`createHotSql`) without
 * HTTP, once per (user, seat) pair, then once per hold made. It runs in its own process, like a
 * server, so that it pays the same event-loop and driver costs that the API pays per round trip.
 */
export type SqlProbeWork =
  | { kind: 'select1'; driver: 'prisma' | 'raw' }
  /** `[userId, scheduleId, seatId]`; the first `warmup` are not measured. */
  | { kind: 'holds'; pairs: [number, number, number][]; warmup: number }
  /** Pays the PROGRESS holds of these schedules in id order, the first `warmup` not measured. */
  | { kind: 'payments'; scheduleIds: number[]; count: number; warmup: number; idempotencyKeys: boolean };

export interface SqlProbeSpec {
  work: SqlProbeWork;
  title: string;
  /** `mysql://…/<database>`; must be on 127.0.0.1. */
  databaseUrl: string;
  /** The pool's connectionLimit: the API's DATABASE_POOL_SIZE. */
  poolSize: number;
  /** Queries in flight at once (each waits for a pooled connection, as the API's requests do). */
  concurrency: number;
  warmupSeconds: number;
  durationSeconds: number;
}

/** What the worker sends back. */
export interface SqlProbeWorkerResult {
  queries: number;
  errors: number;
  seconds: number;
  latencyMs: LatencySummary;
  latencySamples: number;
  cpuBefore: import('./ipc.ts').CpuSample;
  cpuAfter: import('./ipc.ts').CpuSample;
}

const WORKER = new URL('./sql-probe-worker.ts', import.meta.url);

/** Runs the probe in its own process; the result has the shape of an HTTP run's (requests = queries). */
export async function runSqlProbe(spec: SqlProbeSpec, hooks: RunHooks = {}): Promise<LoadResult> {
  const child = forkTs({ entry: WORKER, name: `sql-probe-${spec.title}` });
  const budgetMs = (spec.warmupSeconds + spec.durationSeconds) * 1000 + 60_000;
  const deadline = setTimeout(() => child.kill('SIGKILL'), budgetMs);
  try {
    const warmed = waitForMessage(child, `${spec.title} warm-up`, budgetMs, (m) =>
      m.type === 'warmed' ? true : undefined,
    );
    sendToChild(child, { type: 'run', spec });
    await warmed;
    await hooks.beforeMain?.();
    const finished = waitForMessage(child, `${spec.title} run`, budgetMs, (m) =>
      m.type === 'finished' ? true : undefined,
    );
    const done = waitForMessage(child, `${spec.title} result`, budgetMs, (m) =>
      m.type === 'result' ? (m.result as SqlProbeWorkerResult) : undefined,
    );
    done.catch(() => undefined);
    sendToChild(child, { type: 'go' });
    await finished;
    await hooks.afterMain?.();
    const r = await done;
    const rps = r.queries / r.seconds;
    return {
      title: spec.title,
      durationSeconds: r.seconds,
      activeSeconds: r.seconds,
      connections: spec.concurrency,
      pipelining: 1,
      requests: r.queries,
      requestsPerSecond: rps,
      latencyMs: r.latencyMs,
      latencySamples: r.latencySamples,
      statusCodes: {},
      non2xx: 0,
      errors: r.errors,
      timeouts: 0,
      clientCpu: cpuBetween(r.cpuBefore, r.cpuAfter),
      // Not autocannon: the probe's own figures, so that the shape stays one.
      autocannon: { requestsAverage: rps, latencyP50: r.latencyMs.p50, latencyP99: r.latencyMs.p99 },
    };
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
