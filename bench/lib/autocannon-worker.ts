/**
 * The load generator process started by runAutocannon: it builds the plan, warms up, waits for the
 * parent's go, runs autocannon once more while recording every latency, and sends the result back.
 */
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { LoadSpec, WorkerResult } from './autocannon.ts';
import { type ChildMessage, type CpuSample, type ParentMessage, sampleCpu } from './ipc.ts';
import { summarize } from './latency.ts';
import type { LoadPlan, LoadPlanFactory } from './load-plan.ts';

export { summarize };

/** 4 M latencies (32 MB) is far above any run this bench makes at 2 cores; past it, recording stops. */
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

function options(
  spec: LoadSpec,
  plan: LoadPlan,
  durationSeconds: number,
  amount?: number,
): autocannon.Options {
  return {
    ...plan,
    url: spec.url,
    connections: spec.connections,
    pipelining: spec.pipelining,
    duration: durationSeconds,
    ...(spec.timeoutSeconds === undefined ? {} : { timeout: spec.timeoutSeconds }),
    // autocannon ignores `duration` when `amount` is set; each connection sends its share.
    ...(amount === undefined ? {} : { amount }),
  };
}

async function run(spec: LoadSpec): Promise<WorkerResult> {
  const mod = (await import(pathToFileURL(spec.plan.module as string).href)) as {
    default: LoadPlanFactory<unknown>;
  };
  if (typeof mod.default !== 'function') throw new Error(`${spec.plan.module} has no default plan factory`);
  const plan = mod.default(spec.plan.args, { url: spec.url });

  if (spec.amount !== undefined) {
    // An amount run's requests are each used once: the warm-up takes its own, counted, share of them.
    if (spec.warmupAmount) await autocannon(options(spec, plan, spec.durationSeconds, spec.warmupAmount));
  } else if (spec.warmupSeconds > 0) {
    await autocannon(options(spec, plan, spec.warmupSeconds));
  }
  send({ type: 'warmed' });
  await waitForGo();

  const latencies = new Float64Array(MAX_SAMPLES);
  let count = 0;
  const cpuBefore = sampleCpu();
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  let responses = 0;
  let cpuAfter: CpuSample | undefined;
  // The end of the measured window: the last response of an amount run (autocannon itself notices it
  // only at its next 1 s tick), else the end of the run. The parent samples the servers then.
  const finish = () => {
    if (cpuAfter) return;
    cpuAfter = sampleCpu();
    send({ type: 'finished' });
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options(spec, plan, spec.durationSeconds, spec.amount), (err, r) =>
      err ? reject(err) : resolve(r),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      if (count < MAX_SAMPLES) latencies[count++] = responseTime;
      if (spec.amount !== undefined && ++responses >= spec.amount) finish();
    });
  });
  finish();

  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  return {
    durationSeconds: result.duration,
    activeSeconds: Math.round(lastResponseAt - startedAt) / 1000,
    requests: result.requests.total,
    latencyMs: summarize(latencies.subarray(0, count)),
    latencySamples: count,
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    autocannon: {
      requestsAverage: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
    },
    cpuBefore,
    cpuAfter: cpuAfter!,
  };
}

if (process.send) {
  process.on('message', (m: ParentMessage) => {
    if (m.type !== 'run') return;
    // Leave once the answer is flushed to the parent.
    run(m.spec as LoadSpec)
      .then((result) => send({ type: 'result', result }, () => process.exit(0)))
      .catch((err: unknown) => {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        send({ type: 'error', message }, () => process.exit(1));
      });
  });
  process.on('disconnect', () => process.exit(0));
}
