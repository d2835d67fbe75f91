import { readFileSync } from 'node:fs';
import os from 'node:os';
import { round } from '@concert/testing';
import type { Redis } from 'ioredis';
import { cpuBetween, runInChild, type ServerProcess } from './child.ts';
import type { LoadResult, PlanName } from './load-worker.ts';
import { readInfo, readRedisCpuSeconds } from './redis.ts';

export interface Timing {
  /** Seconds of the measured run; with `amount`, only its time limit. */
  durationSeconds: number;
  /** An unmeasured run before it (JIT, connections); 0 skips it. */
  warmupSeconds: number;
  connections: number;
  pipelining: number;
}

export interface HttpSpec extends Timing {
  /** A label for the tables and the JSON. */
  title: string;
  /** The full URL of the first request. */
  url: string;
  /**
   * Send exactly this many requests, then stop (autocannon's `amount`), for requests each used once (a
   * seat held, a hold paid): the rate is then over the time to the last response (`activeSeconds`).
   */
  amount?: number;
  /** With `amount`: the warm-up sends exactly this many requests. */
  warmupAmount?: number;
  /** A request unanswered this long is a timeout (an error); autocannon's default is 10 s. */
  timeoutSeconds?: number;
  plan: { name: PlanName; args?: unknown };
}

/**
 * A database baseline with the API's pool size and as many queries in flight as the HTTP runs have
 * connections: `SELECT 1` round trips through Prisma or the raw driver, for a time; or the floor, the
 * API's own hold and payment batches (`createHotSql`) without HTTP, once per item.
 */
export interface SqlSpec {
  title: string;
  durationSeconds: number;
  warmupSeconds: number;
  work:
    | { kind: 'select1'; driver: 'prisma' | 'raw' }
    /** `[userId, scheduleId, seatId]`; the first `warmup` are not measured. */
    | { kind: 'holds'; pairs: [number, number, number][]; warmup: number }
    /** Pays the PROGRESS holds of these schedules in id order, the first `warmup` not measured. */
    | { kind: 'payments'; scheduleIds: number[]; count: number; warmup: number; idempotencyKeys: boolean };
  databaseUrl: string;
  poolSize: number;
  concurrency: number;
}

/** One load's result with where the cores went during the measured run (Redis's figures count all its clients). */
export type MeasuredLoad = Awaited<ReturnType<typeof measure>>;

/** Everything a measured run samples besides the load itself. */
export interface Observed {
  servers: ServerProcess[];
  redis: Redis;
  processes?: { name: string; pid: number }[];
  /** Cumulative counters (SHOW GLOBAL STATUS, Redis commands), read before and after. */
  counters?: () => Promise<Record<string, number>>;
}

/** The machine's CPU ticks (Linux /proc/stat), or null elsewhere. */
function sampleMachine() {
  try {
    // cpu  user nice system idle iowait irq softirq steal
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [u, n, s, idle, io, irq, soft, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: u! + n! + s! + irq! + soft!, idle: idle! + io!, steal: steal ?? 0 };
  } catch {
    return null;
  }
}

/** CPU seconds (all threads) a process has used so far, from /proc/<pid>/stat (USER_HZ 100), or undefined. */
function readProcessCpuSeconds({ pid }: { pid: number }): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields after its last ')'; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Calls and microseconds of EVALSHA so far, from `INFO commandstats` (all clients of the server). */
async function readScriptStats(redis: Redis) {
  const line = (await readInfo(redis, 'commandstats')).cmdstat_evalsha ?? '';
  const fields = Object.fromEntries(line.split(',').map((kv) => kv.split('=')));
  return { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) };
}

/** Runs one load in its own process and samples the CPU of everything involved over exactly its measured run. */
export async function measure(spec: HttpSpec | SqlSpec, observed: Observed) {
  const { servers, redis, processes: procs = [] } = observed;
  const take = async () => {
    const [s, redisCpu, scripts, counters] = await Promise.all([
      Promise.all(servers.map((x) => x.readCpu())),
      readRedisCpuSeconds(redis),
      readScriptStats(redis),
      observed.counters ? observed.counters() : ({} as Record<string, number>),
    ]);
    const machine = sampleMachine();
    return {
      at: Date.now(),
      servers: s,
      redisCpu,
      scripts,
      counters,
      machine,
      procs: procs.map(readProcessCpuSeconds),
    };
  };
  const samples: Awaited<ReturnType<typeof take>>[] = [];
  const sample = async () => void samples.push(await take());
  const result = await runInChild<LoadResult>(spec, sample, sample);
  const [a, b] = samples as [(typeof samples)[0], (typeof samples)[0]];
  const ms = b.at - a.at;
  const [ma, mb] = [a.machine, b.machine];
  const ticks = ma && mb ? mb.busy - ma.busy + (mb.idle - ma.idle) + (mb.steal - ma.steal) : 0;
  const cores = (n: number) => Math.round((n / ticks) * os.cpus().length * 1000) / 1000;
  const calls = b.scripts.calls - a.scripts.calls;
  const processes: Record<string, number> = {};
  procs.forEach((p, i) => {
    const [x, y] = [a.procs[i], b.procs[i]];
    if (x !== undefined && y !== undefined && ms > 0) processes[p.name] = round(((y - x) * 1000) / ms, 3)!;
  });
  const counters = Object.fromEntries(
    Object.entries(b.counters).map(([k, v]) => [k, v - (a.counters[k] ?? 0)]),
  );
  return {
    ...result,
    ...(observed.counters ? { counters } : {}),
    cpu: {
      client: result.clientCpu,
      servers: Object.fromEntries(
        servers.map((s, i) => [s.name, cpuBetween(a.servers[i]!, b.servers[i]!)]),
      ) as Record<string, ReturnType<typeof cpuBetween>>,
      redisCores: round(((b.redisCpu - a.redisCpu) * 1000) / ms, 3)!,
      redisScriptCalls: calls,
      ...(calls > 0 ? { redisScriptUsPerCall: round((b.scripts.usec - a.scripts.usec) / calls, 2)! } : {}),
      ...(ticks > 0 && mb && ma
        ? {
            machine: {
              busyCores: cores(mb.busy - ma.busy),
              idleCores: cores(mb.idle - ma.idle),
              stolenCores: cores(mb.steal - ma.steal),
            },
          }
        : {}),
      ...(procs.length > 0 ? { processes } : {}),
    },
  };
}

/** Throws unless every response had one of the expected statuses, with no socket errors. */
export function assertStatuses(r: LoadResult, expected: number[]): void {
  const unexpected = Object.keys(r.statusCodes).filter((code) => !expected.includes(Number(code)));
  if (unexpected.length > 0 || r.errors > 0 || r.requests === 0) {
    throw new Error(
      `${r.title}: expected only ${expected.join('/')} but got ${JSON.stringify(r.statusCodes)}, ` +
        `${r.errors} errors (${r.timeouts} timeouts), ${r.requests} requests`,
    );
  }
}

export const timed = (o: Timing): Timing => ({
  durationSeconds: o.durationSeconds,
  warmupSeconds: o.warmupSeconds,
  connections: o.connections,
  pipelining: o.pipelining,
});

/** Round r's bare route, the same-run baseline of every HTTP figure. */
export async function measureBare(o: Timing, bare: ServerProcess, r: number, observed: Observed) {
  const run = await measure(
    { ...timed(o), title: `bare route #${r}`, url: `${bare.url}/bare`, plan: { name: 'get' } },
    observed,
  );
  assertStatuses(run, [200]);
  return run;
}
