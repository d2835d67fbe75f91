import { fileURLToPath } from 'node:url';
import { forkTs, sendToChild, waitForMessage } from './child-process.ts';
import { cpuBetween } from './ipc.ts';

export interface LoadSpec {
  /** A label for the table and the JSON. */
  title: string;
  /** The full URL of the first request, e.g. `http://127.0.0.1:41234/v1/queue/status`. */
  url: string;
  /**
   * Seconds of the measured run. With `amount` set, the run ends after that many requests instead, and
   * this is only its time limit (the run is killed 60 s past it).
   */
  durationSeconds: number;
  /** A run before the measured one whose numbers are thrown away (JIT, connection set-up). 0 skips it. */
  warmupSeconds: number;
  /**
   * Send exactly this many requests in the measured run, then stop (autocannon's `amount`): for plans
   * whose requests are each used once (a seat held, a hold paid). The rate is then requests over the
   * time from the first request to the last response (`activeSeconds`).
   */
  amount?: number;
  /** With `amount`: the warm-up sends exactly this many requests instead of running `warmupSeconds`. */
  warmupAmount?: number;
  connections: number;
  pipelining: number;
  /** A request unanswered this long counts as a timeout (an error); autocannon's default is 10 s. */
  timeoutSeconds?: number;
  /** Module path or file URL whose default export builds the requests (lib/load-plan.ts), and its args. */
  plan: { module: string | URL; args?: unknown };
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  title: string;
  /** Measured seconds of the main run. */
  durationSeconds: number;
  connections: number;
  pipelining: number;
  /** Completed requests of the main run, all statuses. */
  requests: number;
  /** Completed requests per second over the main run (over `activeSeconds` for an `amount` run). */
  requestsPerSecond: number;
  /**
   * Seconds from the start of the main run to its last response. autocannon notices the end of an
   * `amount` run only at its next 1 s tick, so its own `durationSeconds` is rounded up to that tick.
   */
  activeSeconds: number;
  /** The `amount` of an `amount` run. */
  amount?: number;
  /**
   * Latency in ms, exact percentiles over every response of the main run (autocannon's own histogram
   * rounds to whole milliseconds; its numbers are kept in `autocannon`).
   */
  latencyMs: LatencySummary;
  /** How many latencies were recorded (all, unless the run exceeded the recording cap). */
  latencySamples: number;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The load generator's own CPU: cores used, and its event loop's utilisation (near 1 = saturated). */
  clientCpu: { cores: number; eventLoopUtilization: number };
  autocannon: { requestsAverage: number; latencyP50: number; latencyP99: number };
}

export interface RunHooks {
  /** Called after the warm-up, right before the measured run starts. */
  beforeMain?: () => Promise<void>;
  /**
   * Called right after the measured run ended (its last response, for an `amount` run), before the
   * result is returned.
   */
  afterMain?: () => Promise<void>;
}

const WORKER = new URL('./autocannon-worker.ts', import.meta.url);

/**
 * Runs autocannon in its own process, so that the load generator never shares an event loop (or a
 * core's worth of JavaScript) with the bench or the server under test.
 */
export async function runAutocannon(spec: LoadSpec, hooks: RunHooks = {}): Promise<LoadResult> {
  const child = forkTs({ entry: WORKER, name: `autocannon-${spec.title}` });
  const normalized: LoadSpec = {
    ...spec,
    plan: {
      module: typeof spec.plan.module === 'string' ? spec.plan.module : fileURLToPath(spec.plan.module),
      args: spec.plan.args,
    },
  };
  if (spec.amount !== undefined && !(spec.amount >= spec.connections)) {
    throw new Error(
      `${spec.title}: amount ${spec.amount} must be at least the ${spec.connections} connections`,
    );
  }
  // Bounded: a stuck run is killed well after its planned end.
  const budgetMs = (spec.warmupSeconds + spec.durationSeconds) * 1000 + 60_000;
  const deadline = setTimeout(() => child.kill('SIGKILL'), budgetMs);
  try {
    const warmed = waitForMessage(child, `${spec.title} warm-up`, budgetMs, (m) =>
      m.type === 'warmed' ? true : undefined,
    );
    sendToChild(child, { type: 'run', spec: normalized });
    await warmed;
    await hooks.beforeMain?.();
    // Both listeners before 'go': the child sends 'finished' and then 'result' back to back.
    const finished = waitForMessage(child, `${spec.title} run`, budgetMs, (m) =>
      m.type === 'finished' ? true : undefined,
    );
    const done = waitForMessage(child, `${spec.title} result`, budgetMs, (m) =>
      m.type === 'result' ? (m.result as WorkerResult) : undefined,
    );
    // Neither may reject unobserved while the other is awaited.
    done.catch(() => undefined);
    sendToChild(child, { type: 'go' });
    await finished;
    await hooks.afterMain?.();
    const r = await done;
    return {
      title: spec.title,
      durationSeconds: r.durationSeconds,
      connections: spec.connections,
      pipelining: spec.pipelining,
      requests: r.requests,
      requestsPerSecond:
        spec.amount === undefined ? r.requests / r.durationSeconds : r.requests / r.activeSeconds,
      activeSeconds: r.activeSeconds,
      ...(spec.amount === undefined ? {} : { amount: spec.amount }),
      latencyMs: r.latencyMs,
      latencySamples: r.latencySamples,
      statusCodes: r.statusCodes,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      clientCpu: cpuBetween(r.cpuBefore, r.cpuAfter),
      autocannon: r.autocannon,
    };
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** What the worker sends back. */
export interface WorkerResult
  extends Pick<
    LoadResult,
    | 'durationSeconds'
    | 'activeSeconds'
    | 'requests'
    | 'latencyMs'
    | 'latencySamples'
    | 'statusCodes'
    | 'non2xx'
    | 'errors'
    | 'timeouts'
    | 'autocannon'
  > {
  cpuBefore: import('./ipc.ts').CpuSample;
  cpuAfter: import('./ipc.ts').CpuSample;
}
