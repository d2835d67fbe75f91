/**
 * The process started by runSqlProbe: opens a Prisma client with the API's pool size, warms it up,
 * waits for the parent's go, keeps `concurrency` queries in flight for the measured seconds while
 * recording every round trip, and sends the result back.
 */
import { createPrismaClient } from '@concert/db';
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

/** `concurrency` lanes, each running the statement back to back until `seconds` have passed. */
async function drive(
  query: () => Promise<unknown>,
  concurrency: number,
  seconds: number,
  record?: (ms: number) => void,
): Promise<{ queries: number; errors: number; lastError?: string }> {
  const endAt = performance.now() + seconds * 1000;
  let queries = 0;
  let errors = 0;
  let lastError: string | undefined;
  async function lane() {
    // Bounded by time; a lane also stops after many errors in a row rather than spin.
    let failures = 0;
    while (performance.now() < endAt && failures < 100) {
      const t0 = performance.now();
      try {
        await query();
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

async function run(spec: SqlProbeSpec): Promise<SqlProbeWorkerResult> {
  const prisma = createPrismaClient(spec.databaseUrl, { poolSize: spec.poolSize });
  try {
    const query = () => prisma.$queryRawUnsafe(spec.sql);
    await query();
    if (spec.warmupSeconds > 0) await drive(query, spec.concurrency, spec.warmupSeconds);
    send({ type: 'warmed' });
    await waitForGo();

    const latencies = new Float64Array(MAX_SAMPLES);
    let count = 0;
    const cpuBefore = sampleCpu();
    const started = performance.now();
    const r = await drive(query, spec.concurrency, spec.durationSeconds, (ms) => {
      if (count < MAX_SAMPLES) latencies[count++] = ms;
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter: CpuSample = sampleCpu();
    send({ type: 'finished' });
    if (r.queries === 0)
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
    await prisma.$disconnect().catch(() => undefined);
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
