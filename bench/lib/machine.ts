import { readFileSync } from 'node:fs';

/** The machine's CPU counters (Linux /proc/stat, in clock ticks), or null elsewhere. */
export interface MachineCpuSample {
  busy: number;
  idle: number;
  steal: number;
}

export function sampleMachineCpu(): MachineCpuSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal: steal ?? 0 };
  } catch {
    return null;
  }
}

/** Cores busy (all processes, this bench's and anyone else's) and stolen by the hypervisor between two samples. */
export function machineCoresBetween(
  a: MachineCpuSample | null,
  b: MachineCpuSample | null,
  cpuCount: number,
) {
  if (!a || !b) return undefined;
  const busy = b.busy - a.busy;
  const idle = b.idle - a.idle;
  const steal = b.steal - a.steal;
  const total = busy + idle + steal;
  if (total <= 0) return undefined;
  const r = (n: number) => Math.round((n / total) * cpuCount * 1000) / 1000;
  return { busyCores: r(busy), idleCores: r(idle), stolenCores: r(steal) };
}
