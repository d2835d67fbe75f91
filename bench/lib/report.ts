import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MeasuredLoad } from './measure.ts';

/**
 * One reported number. Speeds carry the baseline measured in the same run and their ratio to it,
 * because the 2 cores are shared with Redis, MariaDB and the load generator and absolute numbers move
 * from run to run. A target is checked and reported, never asserted.
 */
export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: string;
  baseline?: { label: string; value: number; unit: string };
  /** value / baseline.value */
  ratio?: number;
  target?: Target;
  /** Whether the target is met; absent when there is none. */
  isMet?: boolean;
  /** One line on how the number was taken. */
  note?: string;
  /** Further baselines of the same run beside `baseline`, each with its ratio (see renderBaselinesTable). */
  moreBaselines?: { label: string; value: number; unit: string; ratio: number }[];
}

export interface Target {
  /** What the threshold compares: the figure's value, or its ratio to the baseline. */
  on: 'value' | 'ratio';
  /** `==` is for counts that are invariants (exactly 50 seats sold), not speeds. */
  op: '>=' | '<=' | '==';
  threshold: number;
}

export function figure(
  f: Omit<Figure, 'ratio' | 'isMet' | 'moreBaselines'> & {
    moreBaselines?: { label: string; value: number; unit: string }[];
  },
): Figure {
  const ratio = f.baseline ? f.value / f.baseline.value : undefined;
  const { moreBaselines, ...rest } = f;
  const out: Figure = { ...rest, ...(ratio === undefined ? {} : { ratio }) };
  if (moreBaselines) out.moreBaselines = moreBaselines.map((b) => ({ ...b, ratio: f.value / b.value }));
  if (f.target) {
    const x = f.target.on === 'ratio' ? ratio : f.value;
    if (x === undefined) throw new Error(`figure ${f.id}: a ratio target needs a baseline`);
    const t = f.target.threshold;
    out.isMet = f.target.op === '>=' ? x >= t : f.target.op === '<=' ? x <= t : x === t;
  }
  return out;
}

export function formatNumber(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const withUnit = (n: number, unit: string) => `${formatNumber(n)} ${unit}`;

const OP_SIGN = { '>=': '≥', '<=': '≤', '==': '=' } as const;

export function describeTarget(f: Figure): string {
  if (!f.target) return '';
  const t = f.target;
  return t.on === 'ratio'
    ? `ratio ${OP_SIGN[t.op]} ${formatNumber(t.threshold)}`
    : `${OP_SIGN[t.op]} ${withUnit(t.threshold, f.unit)}`;
}

/** A markdown table: figure, value, baseline, ratio, target, met/missed. */
export function renderMarkdownTable(figures: Figure[]): string {
  const rows = [
    '| figure | value | baseline (same run) | ratio | target | result |',
    '|---|---:|---|---:|---|---|',
  ];
  for (const f of figures) {
    const baseline = f.baseline ? `${f.baseline.label}: ${withUnit(f.baseline.value, f.baseline.unit)}` : '—';
    const ratio = f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`;
    const result = f.isMet === undefined ? '' : f.isMet ? 'met' : `**missed**`;
    rows.push(
      `| ${f.label} | ${withUnit(f.value, f.unit)} | ${baseline} | ${ratio} | ${describeTarget(f) || '—'} | ${result} |`,
    );
  }
  return rows.join('\n');
}

/**
 * A markdown table with one column per baseline kind: each cell is the figure's ratio to that baseline
 * of the same run and the baseline's value. `columns` name the baselines by their label prefix
 * (`bare route` matches `bare route p99`); a figure shows a cell for each of its baselines that matches.
 */
export function renderBaselinesTable(
  figures: Figure[],
  columns: { title: string; prefix: string }[],
): string {
  const rows = [
    `| figure | value | ${columns.map((c) => c.title).join(' | ')} | target | result |`,
    `|---|---:|${columns.map(() => '---:|').join('')}---|---|`,
  ];
  for (const f of figures) {
    const all = [
      ...(f.baseline && f.ratio !== undefined ? [{ ...f.baseline, ratio: f.ratio }] : []),
      ...(f.moreBaselines ?? []),
    ];
    const cells = columns.map((c) => {
      const b = all.find((x) => x.label.startsWith(c.prefix));
      return b
        ? `${b.ratio >= 0.1 ? b.ratio.toFixed(2) : b.ratio.toPrecision(2)}× of ${withUnit(b.value, b.unit)}`
        : '—';
    });
    const result = f.isMet === undefined ? '' : f.isMet ? 'met' : `**missed**`;
    rows.push(
      `| ${f.label} | ${withUnit(f.value, f.unit)} | ${cells.join(' | ')} | ${describeTarget(f) || '—'} | ${result} |`,
    );
  }
  return rows.join('\n');
}

/** The machine a report was taken on, so that numbers are never read without it. */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Writes `<dir>/<name>-<timestamp>.json` and returns its path. */
export function writeJsonReport(dir: string, name: string, data: unknown, at = new Date()): string {
  mkdirSync(dir, { recursive: true });
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Where the cores went in each HTTP run: the load generator, the busiest server process (and how
 * busy its event loop was), Redis, and what the whole machine did, other people's processes included.
 * Runs where other processes used more than `maxOtherCores` are marked noisy.
 */
export function renderCpuTable(loads: MeasuredLoad[], maxOtherCores?: number): string {
  // Observed processes (MariaDB for the booking bench) get a column each; the gateway has none.
  const procNames = [...new Set(loads.flatMap((r) => Object.keys(r.cpu.processes ?? {})))];
  const rows = [
    `| run | req/s | p99 ms | load generator cores | server cores (event loop busy) | req/s per server core | server CPU µs/req | Redis cores (µs/script call) | ${procNames.map((n) => `${n} cores | `).join('')}machine busy cores | other processes' cores |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|${procNames.map(() => '---:|').join('')}---:|---:|`,
  ];
  const c2 = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));
  for (const r of loads) {
    const server = busiestServer(r);
    const script =
      r.cpu.redisScriptUsPerCall === undefined ? '' : ` (${r.cpu.redisScriptUsPerCall.toFixed(1)})`;
    const other = otherCores(r);
    const isNoisy = maxOtherCores !== undefined && other !== undefined && other > maxOtherCores;
    rows.push(
      `| ${r.title}${isNoisy ? ' (noisy)' : ''} | ${formatNumber(r.requestsPerSecond)} | ${r.latencyMs.p99.toFixed(1)} | ` +
        `${c2(r.cpu.client.cores)} | ` +
        `${server ? `${c2(server.cores)} (${Math.round(server.eventLoopUtilization * 100)} %)` : '—'} | ` +
        `${server && server.cores > 0 ? formatNumber(r.requestsPerSecond / server.cores) : '—'} | ` +
        `${server && r.requestsPerSecond > 0 ? ((server.cores * 1e6) / r.requestsPerSecond).toFixed(1) : '—'} | ` +
        `${c2(r.cpu.redisCores)}${script} | ${procNames.map((n) => `${c2(r.cpu.processes?.[n])} | `).join('')}` +
        `${c2(r.cpu.machine?.busyCores)} | ${c2(other)} |`,
    );
  }
  return rows.join('\n');
}

/** The server process under load: the busiest of those observed. */
export function busiestServer(r: MeasuredLoad) {
  return Object.values(r.cpu.servers).sort((a, b) => b.cores - a.cores)[0];
}

/** Cores used during a run by processes other than the load generator, the servers and Redis. */
export function otherCores(r: MeasuredLoad): number | undefined {
  if (!r.cpu.machine) return undefined;
  const ours =
    r.cpu.client.cores +
    Object.values(r.cpu.servers).reduce((sum, s) => sum + s.cores, 0) +
    (r.cpu.redisCores ?? 0) +
    Object.values(r.cpu.processes ?? {}).reduce((sum, c) => sum + c, 0);
  return Math.max(0, Math.round((r.cpu.machine.busyCores - ours) * 100) / 100);
}

/** The runs a figure is taken from: the quiet ones, or all when none was quiet. */
export function pickQuietRuns(runs: MeasuredLoad[], maxOtherCores: number): MeasuredLoad[] {
  const quiet = runs.filter((r) => isQuiet(r, maxOtherCores));
  return quiet.length > 0 ? quiet : runs;
}

/** Unknown (no /proc/stat) counts as quiet: there is nothing to tell the runs apart by. */
export function isQuiet(r: MeasuredLoad, maxOtherCores: number): boolean {
  const other = otherCores(r);
  return other === undefined || other <= maxOtherCores;
}
