/** Messages between the bench and its child processes (server processes and the load generator). */

/** A process's CPU time and event-loop time so far; deltas of two samples give utilisation. */
export interface CpuSample {
  /** process.cpuUsage(), microseconds. */
  userUs: number;
  systemUs: number;
  /** performance.eventLoopUtilization(), milliseconds. */
  eluIdleMs: number;
  eluActiveMs: number;
  /** performance.now() of the sample, milliseconds. */
  atMs: number;
  wallMs: number;
}

export type ParentMessage =
  | { type: 'cpu'; id: number }
  | { type: 'stop' }
  | { type: 'run'; spec: unknown }
  | { type: 'go' };

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; id: number; sample: CpuSample }
  | { type: 'warmed' }
  /** The measured run's last response is in (sent before its `result`): the end of the measured window. */
  | { type: 'finished' }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string };

export function sampleCpu(): CpuSample {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    eluIdleMs: elu.idle,
    eluActiveMs: elu.active,
    atMs: performance.now(),
    wallMs: Date.now(),
  };
}

/** CPU cores used between two samples (1.0 = one core busy all the time) and event-loop utilisation. */
export function cpuBetween(before: CpuSample, after: CpuSample, wallMs?: number) {
  const elapsedMs = wallMs ?? after.wallMs - before.wallMs;
  const cpuMs = (after.userUs - before.userUs + after.systemUs - before.systemUs) / 1000;
  const idle = after.eluIdleMs - before.eluIdleMs;
  const active = after.eluActiveMs - before.eluActiveMs;
  return {
    cores: elapsedMs > 0 ? round(cpuMs / elapsedMs, 3) : 0,
    eventLoopUtilization: idle + active > 0 ? round(active / (idle + active), 3) : 0,
  };
}

export const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
