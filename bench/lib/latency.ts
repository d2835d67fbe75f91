import type { LatencySummary } from './autocannon.ts';

/** Exact nearest-rank percentiles (ms) of every recorded latency. */
export function summarize(samples: Float64Array): LatencySummary {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const sorted = samples.slice().sort();
  // nearest rank
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    p50: r3(at(50)),
    p90: r3(at(90)),
    p99: r3(at(99)),
    p999: r3(at(99.9)),
    max: r3(sorted[sorted.length - 1]!),
    mean: r3(sum / sorted.length),
  };
}
