import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MeasuredLoad } from './measure.ts';

type Value = { label: string; value: number; unit: string };

/**
 * One reported number. Speeds carry the baseline measured in the same run and their ratio to it: the 2
 * cores are shared with Redis, MariaDB and the load generator, and absolute numbers move from run to
 * run. A target is checked and reported, never asserted.
 */
export interface Figure extends Value {
  id: string;
  baseline?: Value;
  /** value / baseline.value */
  ratio?: number;
  /** `on` the value or its ratio to the baseline; `==` is for invariants (exactly 50 seats sold). */
  target?: { on: 'value' | 'ratio'; op: '>=' | '<=' | '=='; threshold: number };
  isMet?: boolean;
  note?: string;
  /** Further baselines of the same run, each with its ratio (see renderBaselinesTable). */
  moreBaselines?: (Value & { ratio: number })[];
}

type FigureSpec = Omit<Figure, 'ratio' | 'isMet' | 'moreBaselines'> & { moreBaselines?: Value[] };

/** A figure `id` of `value` `unit`, with its baselines (their ratios computed) and whether it meets its target. */
export function figure(
  id: string,
  label: string,
  value: number,
  unit: string,
  more: Partial<FigureSpec> = {},
): Figure {
  const f: FigureSpec = { id, label, value, unit, ...more };
  const { moreBaselines, ...rest } = f;
  const ratio = f.baseline ? f.value / f.baseline.value : undefined;
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
const describeTarget = ({ target: t, unit }: Figure) =>
  !t
    ? '—'
    : t.on === 'ratio'
      ? `ratio ${OP_SIGN[t.op]} ${formatNumber(t.threshold)}`
      : `${OP_SIGN[t.op]} ${withUnit(t.threshold, unit)}`;
const result = (f: Figure) => (f.isMet === undefined ? '' : f.isMet ? 'met' : '**missed**');
const table = (head: string, align: string, rows: string[][]) =>
  [`| ${head} |`, align, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Figure, value, baseline, ratio, target, met/missed. */
export function renderMarkdownTable(figures: Figure[]): string {
  return table(
    'figure | value | baseline (same run) | ratio | target | result',
    '|---|---:|---|---:|---|---|',
    figures.map((f) => [
      f.label,
      withUnit(f.value, f.unit),
      f.baseline ? `${f.baseline.label}: ${withUnit(f.baseline.value, f.baseline.unit)}` : '—',
      f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`,
      describeTarget(f),
      result(f),
    ]),
  );
}

/** One column per baseline kind, named by its label prefix: the figure's ratio to it and its value. */
export function renderBaselinesTable(
  figures: Figure[],
  columns: { title: string; prefix: string }[],
): string {
  return table(
    `figure | value | ${columns.map((c) => c.title).join(' | ')} | target | result`,
    `|---|---:|${columns.map(() => '---:|').join('')}---|---|`,
    figures.map((f) => {
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
      return [f.label, withUnit(f.value, f.unit), ...cells, describeTarget(f), result(f)];
    }),
  );
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
  const file = path.join(dir, `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The server process under load: the busiest of those observed. */
export const busiestServer = (r: MeasuredLoad) =>
  Object.values(r.cpu.servers).sort((a, b) => b.cores - a.cores)[0];

/** Cores used during a run by processes other than the load generator, the servers, Redis and MariaDB. */
function otherCores(r: MeasuredLoad): number | undefined {
  if (!r.cpu.machine) return undefined;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ours =
    r.cpu.client.cores + sum(Object.values(r.cpu.servers).map((s) => s.cores)) + (r.cpu.redisCores ?? 0);
  return Math.max(
    0,
    Math.round((r.cpu.machine.busyCores - ours - sum(Object.values(r.cpu.processes ?? {}))) * 100) / 100,
  );
}

/**
 * The medians each figure is taken from: over a kind's quiet runs (unknown counts as quiet), or all of
 * them when none was quiet. `note` says how many runs of each kind were used.
 */
export function medians<K extends string>(loads: Record<K, MeasuredLoad[]>, maxOtherCores: number) {
  const used = (k: K) => {
    const quiet = loads[k].filter((r) => (otherCores(r) ?? 0) <= maxOtherCores);
    return quiet.length > 0 ? quiet : loads[k];
  };
  const kinds = Object.keys(loads) as K[];
  return {
    used,
    rps: (k: K) => median(used(k).map((r) => r.requestsPerSecond)),
    lat: (k: K, p: 'p50' | 'p99') => median(used(k).map((r) => r.latencyMs[p])),
    runsUsed: Object.fromEntries(kinds.map((k) => [k, used(k).map((r) => r.title)])) as Record<K, string[]>,
    note:
      `medians over the quiet runs (other processes ≤ ${maxOtherCores} cores), or over all runs of a kind when ` +
      `none was quiet: ${kinds.map((k) => `${k} ${used(k).length}/${loads[k].length}`).join(', ')}.`,
  };
}

const c2 = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));

/** Where the cores went in each run; runs where other processes used more than `maxOtherCores` are noisy. */
export function renderCpuTable(loads: MeasuredLoad[], maxOtherCores: number): string {
  // Observed processes (MariaDB for the booking bench) get a column each.
  const procs = [...new Set(loads.flatMap((r) => Object.keys(r.cpu.processes ?? {})))];
  return table(
    `run | req/s | p99 ms | load generator cores | server cores (event loop busy) | req/s per server core | server CPU µs/req | Redis cores (µs/script call) | ${procs.map((n) => `${n} cores | `).join('')}machine busy cores | other processes' cores`,
    `|---|---:|---:|---:|---:|---:|---:|---:|${procs.map(() => '---:|').join('')}---:|---:|`,
    loads.map((r) => {
      const s = busiestServer(r);
      const other = otherCores(r);
      const script =
        r.cpu.redisScriptUsPerCall === undefined ? '' : ` (${r.cpu.redisScriptUsPerCall.toFixed(1)})`;
      return [
        `${r.title}${other !== undefined && other > maxOtherCores ? ' (noisy)' : ''}`,
        formatNumber(r.requestsPerSecond),
        r.latencyMs.p99.toFixed(1),
        c2(r.cpu.client.cores),
        s ? `${c2(s.cores)} (${Math.round(s.eventLoopUtilization * 100)} %)` : '—',
        s && s.cores > 0 ? formatNumber(r.requestsPerSecond / s.cores) : '—',
        s && r.requestsPerSecond > 0 ? ((s.cores * 1e6) / r.requestsPerSecond).toFixed(1) : '—',
        `${c2(r.cpu.redisCores)}${script}`,
        ...procs.map((n) => c2(r.cpu.processes?.[n])),
        c2(r.cpu.machine?.busyCores),
        c2(other),
      ];
    }),
  );
}

/**
 * What one request costs: CPU per request in the API, MariaDB and Redis, and MariaDB's and Redis's
 * statements per request (SHOW GLOBAL STATUS and INFO deltas, all clients counted).
 */
export function renderCostTable(loads: MeasuredLoad[]): string {
  const f = (digits: number) => (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);
  const [f1, f2] = [f(1), f(2)];
  return table(
    'run | req/s | API µs CPU/req (event loop busy) | MariaDB µs CPU/req | Redis µs CPU/req | SQL statements/req | prepares/req | transactions/req | row-lock waits/req | data fsyncs/req | Redis commands/req | load generator cores',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    loads.map((r) => {
      const perReq = (cores: number | undefined) =>
        cores === undefined ? undefined : (cores / r.requestsPerSecond) * 1e6;
      const c = (k: string) => (r.counters?.[k] === undefined ? undefined : r.counters[k]! / r.requests);
      // The probes (SELECT 1, the floor) run in no server: their own process is the last column.
      const s = /^(Prisma|raw|floor) /.test(r.title) ? undefined : busiestServer(r);
      return [
        r.title,
        formatNumber(r.requestsPerSecond),
        s ? `${f1(perReq(s.cores))} (${Math.round(s.eventLoopUtilization * 100)} %)` : '—',
        f1(perReq(r.cpu.processes?.MariaDB)),
        f1(perReq(r.cpu.redisCores)),
        ...['Questions', 'Com_stmt_prepare'].map((k) => f2(c(`mysql.${k}`))),
        f2((c('mysql.Com_commit') ?? 0) + (c('mysql.Com_rollback') ?? 0)),
        ...['Innodb_row_lock_waits', 'Innodb_data_fsyncs'].map((k) => f2(c(`mysql.${k}`))),
        f2(c('redis.commands')),
        f2(r.cpu.client.cores),
      ];
    }),
  );
}
