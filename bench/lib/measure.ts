import os from 'node:os';
import type { Redis } from 'ioredis';
import { type LoadResult, type LoadSpec, type RunHooks, runAutocannon } from './autocannon.ts';
import { type CpuSample, cpuBetween, round } from './ipc.ts';
import { machineCoresBetween, sampleMachineCpu } from './machine.ts';
import { readProcessCpuSeconds } from './proc.ts';
import { readCommandStats, readRedisCpuSeconds } from './redis.ts';
import type { ServerProcess } from './server-process.ts';

export interface MeasuredLoad extends LoadResult {
  /**
   * Where the 2 cores went during the measured run: cores used by each server process (and its event
   * loop's utilisation), by the load generator, and by Redis (all of Redis: it may serve others too).
   */
  cpu: {
    client: { cores: number; eventLoopUtilization: number };
    servers: Record<string, { cores: number; eventLoopUtilization: number }>;
    redisCores?: number;
    /**
     * Redis's own time per Lua script call (EVALSHA) during the run, from INFO commandstats: the time
     * inside Redis, without network or queueing. Averaged over every client of the server.
     */
    redisScriptUsPerCall?: number;
    /**
     * Lua script calls (EVALSHA) Redis ran during the run, from every client of the server: a poll
     * answered from the gateway's replica makes none, a poll answered by Redis one.
     */
    redisScriptCalls?: number;
    /** The whole machine (Linux only): every process's busy cores, idle cores, and cores stolen by the hypervisor. */
    machine?: { busyCores: number; idleCores: number; stolenCores: number };
    /** Cores used by other observed processes (e.g. MariaDB), by name, from /proc (Linux only). */
    processes?: Record<string, number>;
  };
  /** How much each observed counter (`observed.counters`) grew during the measured run, by name. */
  counters?: Record<string, number>;
}

/** Everything a measured run samples besides the load itself. */
export interface Observed {
  servers?: ServerProcess[];
  redis?: Redis;
  /** Other processes whose CPU is part of the bench (MariaDB): name and pid, read from /proc. */
  processes?: { name: string; pid: number }[];
  /** Cumulative counters (MySQL's SHOW GLOBAL STATUS, Redis's commands), read before and after. */
  counters?: () => Promise<Record<string, number>>;
}

/** Runs one autocannon load and samples the CPU of everything involved over exactly the measured run. */
export async function measureLoad(spec: LoadSpec, observed: Observed = {}): Promise<MeasuredLoad> {
  return measureRun(runAutocannon, spec, observed);
}

/**
 * The same for any load that runs in its own process and calls the hooks around its measured run
 * (`runAutocannon`, `runSqlProbe`).
 */
export async function measureRun<S>(
  run: (spec: S, hooks: RunHooks) => Promise<LoadResult>,
  spec: S,
  observed: Observed = {},
): Promise<MeasuredLoad> {
  const servers = observed.servers ?? [];
  const procs = observed.processes ?? [];
  let procsBefore: (number | undefined)[] = [];
  let procsAfter: (number | undefined)[] = [];
  let countersBefore: Record<string, number> = {};
  let countersAfter: Record<string, number> = {};
  let before: CpuSample[] = [];
  let after: CpuSample[] = [];
  let redisBefore = 0;
  let redisAfter = 0;
  const noStats = { calls: 0, usec: 0 };
  let scriptsBefore = noStats;
  let scriptsAfter = noStats;
  let startedAt = 0;
  let endedAt = 0;
  let machineBefore: ReturnType<typeof sampleMachineCpu> = null;
  let machineAfter: ReturnType<typeof sampleMachineCpu> = null;
  const result = await run(spec, {
    async beforeMain() {
      [before, redisBefore, scriptsBefore, countersBefore] = await Promise.all([
        Promise.all(servers.map((s) => s.readCpu())),
        observed.redis ? readRedisCpuSeconds(observed.redis) : 0,
        observed.redis ? readCommandStats(observed.redis, 'evalsha') : noStats,
        observed.counters ? observed.counters() : {},
      ]);
      procsBefore = procs.map((p) => readProcessCpuSeconds(p.pid));
      startedAt = Date.now();
      machineBefore = sampleMachineCpu();
    },
    async afterMain() {
      machineAfter = sampleMachineCpu();
      procsAfter = procs.map((p) => readProcessCpuSeconds(p.pid));
      endedAt = Date.now();
      [after, redisAfter, scriptsAfter, countersAfter] = await Promise.all([
        Promise.all(servers.map((s) => s.readCpu())),
        observed.redis ? readRedisCpuSeconds(observed.redis) : 0,
        observed.redis ? readCommandStats(observed.redis, 'evalsha') : noStats,
        observed.counters ? observed.counters() : {},
      ]);
    },
  });
  const wallMs = endedAt - startedAt;
  const machine = machineCoresBetween(machineBefore, machineAfter, os.cpus().length);
  const scriptCalls = scriptsAfter.calls - scriptsBefore.calls;
  const processes: Record<string, number> = {};
  procs.forEach((p, i) => {
    const [a, b] = [procsBefore[i], procsAfter[i]];
    if (a !== undefined && b !== undefined && wallMs > 0)
      processes[p.name] = round(((b - a) * 1000) / wallMs, 3);
  });
  const counters = Object.fromEntries(
    Object.entries(countersAfter).map(([k, v]) => [k, v - (countersBefore[k] ?? 0)]),
  );
  return {
    ...result,
    ...(observed.counters ? { counters } : {}),
    cpu: {
      client: result.clientCpu,
      servers: Object.fromEntries(servers.map((s, i) => [s.name, cpuBetween(before[i]!, after[i]!)])),
      ...(observed.redis ? { redisCores: round(((redisAfter - redisBefore) * 1000) / wallMs, 3) } : {}),
      ...(observed.redis ? { redisScriptCalls: scriptCalls } : {}),
      ...(scriptCalls > 0
        ? { redisScriptUsPerCall: round((scriptsAfter.usec - scriptsBefore.usec) / scriptCalls, 2) }
        : {}),
      ...(machine ? { machine } : {}),
      ...(procs.length > 0 ? { processes } : {}),
    },
  };
}

/** Throws unless every response of a run had one of the expected statuses, with no socket errors. */
export function assertStatuses(result: LoadResult, expected: number[]): void {
  const unexpected = Object.entries(result.statusCodes).filter(([code]) => !expected.includes(Number(code)));
  if (unexpected.length > 0 || result.errors > 0 || result.requests === 0) {
    throw new Error(
      `${result.title}: expected only ${expected.join('/')} but got ${JSON.stringify(result.statusCodes)}, ` +
        `${result.errors} errors (${result.timeouts} timeouts), ${result.requests} requests`,
    );
  }
}
