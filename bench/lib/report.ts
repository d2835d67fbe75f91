import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MeasuredLoad } from './measure.ts';

export type Value = { label: string; value: number; unit: string };
type Target = { on: 'value' | 'ratio'; op: '>=' | '<=' | '=='; threshold: number };
type More = { baseline?: Value; moreBaselines?: Value[]; target?: Target; note?: string };
export type Figure = Value &
  Omit<More, 'moreBaselines'> & {
    id: string;
    ratio?: number;
    isMet?: boolean;
    moreBaselines?: (Value & { ratio: number })[];
  };

/**
 * One reported number. Speeds carry the baselines measured in the same run and their ratios to them:
 * the 2 cores are shared with Redis, MariaDB and the load generator, and absolute numbers move from
 * run to run. A target (on the value, or on its ratio to `baseline`; `==` is for invariants) is checked
 * and reported, never asserted.
 */
export function figure(id: string, label: string, value: number, unit: string, more: More = {}): Figure {
  const { moreBaselines, ...rest } = more;
  const f: Figure = { id, label, value, unit, ...rest };
  if (rest.baseline) f.ratio = value / rest.baseline.value;
  if (moreBaselines) f.moreBaselines = moreBaselines.map((b) => ({ ...b, ratio: value / b.value }));
  const t = rest.target;
  const x = t?.on === 'ratio' ? f.ratio! : value;
  if (t) f.isMet = t.op === '>=' ? x >= t.threshold : t.op === '<=' ? x <= t.threshold : x === t.threshold;
  return f;
}

export function formatNumber(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const withUnit = (n: number, unit: string) => `${formatNumber(n)} ${unit}`;
const SIGN = { '>=': '≥', '<=': '≤', '==': '=' } as const;
const fixed = (digits: number) => (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);
const [f1, f2] = [fixed(1), fixed(2)];
const busy = (s: { eventLoopUtilization: number }, n: number | undefined, f = f1) =>
  `${f(n)} (${Math.round(s.eventLoopUtilization * 100)} %)`;

/** A markdown table: a column is its heading, its cell, and whether it is text (left-aligned), not a number. */
type Column<T> = [head: string, cell: (row: T) => string, isText?: boolean];
function table<T>(rows: T[], columns: Column<T>[]): string {
  return [
    `| ${columns.map((c) => c[0]).join(' | ')} |`,
    `|${columns.map((c) => (c[2] ? '---|' : '---:|')).join('')}`,
    ...rows.map((r) => `| ${columns.map((c) => c[1](r)).join(' | ')} |`),
  ].join('\n');
}

const FIGURE: Column<Figure> = ['figure', (f) => f.label, true];
const VALUE: Column<Figure> = ['value', (f) => withUnit(f.value, f.unit)];
const target = ({ target: t, unit }: Figure) =>
  !t
    ? '—'
    : `${t.on === 'ratio' ? 'ratio ' : ''}${SIGN[t.op]} ${t.on === 'ratio' ? formatNumber(t.threshold) : withUnit(t.threshold, unit)}`;
const TARGET: Column<Figure>[] = [
  ['target', target, true],
  ['result', (f) => (f.isMet === undefined ? '' : f.isMet ? 'met' : '**missed**'), true],
];

/** Figure, value, baseline, ratio, target, met/missed. */
export const renderMarkdownTable = (figures: Figure[]) =>
  table(figures, [
    FIGURE,
    VALUE,
    [
      'baseline (same run)',
      ({ baseline: b }) => (b ? `${b.label}: ${withUnit(b.value, b.unit)}` : '—'),
      true,
    ],
    ['ratio', (f) => (f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`)],
    ...TARGET,
  ]);

/** The figure's ratio to its baseline whose label starts with `prefix`, and that baseline's value. */
function ratioTo(f: Figure, prefix: string) {
  const all = [...(f.baseline ? [{ ...f.baseline, ratio: f.ratio! }] : []), ...(f.moreBaselines ?? [])];
  const b = all.find((x) => x.label.startsWith(prefix));
  return b
    ? `${b.ratio >= 0.1 ? b.ratio.toFixed(2) : b.ratio.toPrecision(2)}× of ${withUnit(b.value, b.unit)}`
    : '—';
}

/** One column per baseline kind, named by its label prefix: the figure's ratio to it and its value. */
export const renderBaselinesTable = (figures: Figure[], columns: { title: string; prefix: string }[]) =>
  table(figures, [
    FIGURE,
    VALUE,
    ...columns.map(({ title, prefix }): Column<Figure> => [title, (f) => ratioTo(f, prefix)]),
    ...TARGET,
  ]);

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
const busiestServer = (r: MeasuredLoad) => Object.values(r.cpu.servers).sort((a, b) => b.cores - a.cores)[0];
const server = (r: MeasuredLoad, cell: (s: { cores: number; eventLoopUtilization: number }) => string) => {
  const s = busiestServer(r);
  return s ? cell(s) : '—';
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Cores used during a run by processes other than the load generator, the servers, Redis and MariaDB. */
function otherCores({ cpu }: MeasuredLoad): number | undefined {
  if (!cpu.machine) return undefined;
  const ours = cpu.client.cores + sum(Object.values(cpu.servers).map((s) => s.cores)) + cpu.redisCores;
  const other = cpu.machine.busyCores - ours - sum(Object.values(cpu.processes ?? {}));
  return Math.max(0, Math.round(other * 100) / 100);
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

/** Where the cores went in each run; runs where other processes used more than `maxOtherCores` are noisy. */
export function renderCpuTable(loads: MeasuredLoad[], maxOtherCores: number): string {
  // Observed processes (MariaDB for the booking bench) get a column each.
  const procs = [...new Set(loads.flatMap((r) => Object.keys(r.cpu.processes ?? {})))];
  const other = (r: MeasuredLoad) => otherCores(r);
  return table(loads, [
    ['run', (r) => `${r.title}${(other(r) ?? 0) > maxOtherCores ? ' (noisy)' : ''}`, true],
    ['req/s', (r) => formatNumber(r.requestsPerSecond)],
    ['p99 ms', (r) => r.latencyMs.p99.toFixed(1)],
    ['load generator cores', (r) => f2(r.cpu.client.cores)],
    ['server cores (event loop busy)', (r) => server(r, (s) => busy(s, s.cores, f2))],
    [
      'req/s per server core',
      (r) => server(r, (s) => (s.cores > 0 ? formatNumber(r.requestsPerSecond / s.cores) : '—')),
    ],
    [
      'server CPU µs/req',
      (r) => server(r, (s) => (r.requestsPerSecond > 0 ? f1((s.cores * 1e6) / r.requestsPerSecond) : '—')),
    ],
    [
      'Redis cores (µs/script call)',
      ({ cpu }) =>
        `${f2(cpu.redisCores)}${cpu.redisScriptUsPerCall === undefined ? '' : ` (${cpu.redisScriptUsPerCall.toFixed(1)})`}`,
    ],
    ...procs.map((n): Column<MeasuredLoad> => [`${n} cores`, (r) => f2(r.cpu.processes?.[n])]),
    ['machine busy cores', (r) => f2(r.cpu.machine?.busyCores)],
    ["other processes' cores", (r) => f2(other(r))],
  ]);
}

/**
 * What one request costs: CPU per request in the API, MariaDB and Redis, and MariaDB's and Redis's
 * statements per request (SHOW GLOBAL STATUS and INFO deltas, all clients counted).
 */
export function renderCostTable(loads: MeasuredLoad[]): string {
  const perReq = (r: MeasuredLoad, cores: number | undefined) =>
    cores === undefined ? undefined : (cores / r.requestsPerSecond) * 1e6;
  const per = (r: MeasuredLoad, ...keys: string[]) =>
    keys.some((k) => r.counters?.[k] !== undefined)
      ? sum(keys.map((k) => r.counters?.[k] ?? 0)) / r.requests
      : undefined;
  const count = (head: string, ...keys: string[]): Column<MeasuredLoad> => [head, (r) => f2(per(r, ...keys))];
  return table(loads, [
    ['run', (r) => r.title, true],
    ['req/s', (r) => formatNumber(r.requestsPerSecond)],
    // The probes (SELECT 1, the floor) run in no server: their own process is the last column.
    [
      'API µs CPU/req (event loop busy)',
      (r) => (/^(Prisma|raw|floor) /.test(r.title) ? '—' : server(r, (s) => busy(s, perReq(r, s.cores)))),
    ],
    ['MariaDB µs CPU/req', (r) => f1(perReq(r, r.cpu.processes?.MariaDB))],
    ['Redis µs CPU/req', (r) => f1(perReq(r, r.cpu.redisCores))],
    count('SQL statements/req', 'mysql.Questions'),
    count('prepares/req', 'mysql.Com_stmt_prepare'),
    count('transactions/req', 'mysql.Com_commit', 'mysql.Com_rollback'),
    count('row-lock waits/req', 'mysql.Innodb_row_lock_waits'),
    count('data fsyncs/req', 'mysql.Innodb_data_fsyncs'),
    count('Redis commands/req', 'redis.commands'),
    ['load generator cores', (r) => f2(r.cpu.client.cores)],
  ]);
}
