/**
 * Bench options from flags and the environment: `--duration=5` or `--duration 5`, else
 * `BENCH_DURATION=5`, else the default. A flag with no value (`--tiny`) reads as `true`.
 */
export type RawOptions = Map<string, string> & { fromFlags?: Set<string> };

export function parseFlags(argv: readonly string[], env: Record<string, string | undefined>): RawOptions {
  const out: RawOptions = new Map();
  const fromFlags = new Set<string>();
  out.fromFlags = fromFlags;
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('BENCH_') && value !== undefined && value !== '') {
      out.set(toKey(name.slice('BENCH_'.length)), value);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const key = toKey(arg.slice(2, eq > 0 ? eq : undefined));
    fromFlags.add(key);
    if (eq > 0) {
      out.set(key, arg.slice(eq + 1));
    } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) {
      out.set(key, argv[i + 1]!);
      i++;
    } else {
      out.set(key, 'true');
    }
  }
  return out;
}

/** `pool-size`, `POOL_SIZE` and `poolSize` all name the option `poolsize`. */
const toKey = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

export function readNumber(raw: RawOptions, name: string, fallback: number, min = 0): number {
  const value = raw.get(toKey(name));
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new Error(`option ${name} must be a number ≥ ${min}, got ${value}`);
  return n;
}

export function readString(raw: RawOptions, name: string, fallback: string): string {
  return raw.get(toKey(name)) ?? fallback;
}

export function readBoolean(raw: RawOptions, name: string, fallback = false): boolean {
  const value = raw.get(toKey(name));
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['0', 'false', 'no'].includes(value)) return false;
  throw new Error(`option ${name} must be true or false, got ${value}`);
}

/** Fails on a flag that no option reads: a typo must not silently run the defaults. */
export function assertKnownFlags(raw: RawOptions, known: readonly string[]): void {
  const names = new Set(known.map(toKey));
  const unknown = [...(raw.fromFlags ?? [])].filter((k) => !names.has(k));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(', ')}`);
}
