/** What every bench shares: its options, its run's keys and secrets, its server processes, its clean-up. */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRedis } from '@concert/http';
import { createQueueCore, createTokenCodec } from '@concert/queue-core';
import { deleteKeysWithPrefix } from '@concert/testing';
import { type ServerKind, type ServerProcess, startServer } from './child.ts';
import { writeJsonReport } from './report.ts';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One option: its default (and so its type), its `--tiny` value, its bounds, its flag when not the key in kebab-case. */
export interface Flag {
  default: number | string | boolean;
  tiny?: number | string | boolean;
  /** Bounds of a number (`min` defaults to 0). */
  min?: number;
  max?: number;
  flag?: string;
  /** An environment variable read before the default (REDIS_URL). */
  env?: string;
  /** Defaults to this other option's value when that one is given and this one is not. */
  follows?: string;
}
export type Spec = Record<string, Flag>;
type Widen<T> = T extends number ? number : T extends boolean ? boolean : string;
export type OptionsOf<S extends Spec> = { -readonly [K in keyof S]: Widen<S[K]['default']> };
type Env = Record<string, string | undefined>;

/** The options of both benches. */
export const COMMON = {
  /**
   * Seconds of each measured timed run, after `warmupSeconds` of unmeasured load. Tiny runs take 2 s:
   * in 1 s, a loaded CI machine once completed no uncached seat list at all (the run then fails).
   */
  durationSeconds: { flag: 'duration', default: 10, tiny: 2, min: 1 },
  warmupSeconds: { flag: 'warmup', default: 2, tiny: 0 },
  connections: { default: 50, tiny: 10, min: 1 },
  pipelining: { default: 1, min: 1 },
  /** Each figure is the median over the rounds' quiet runs (or all of them when none was quiet). */
  rounds: { default: 3, tiny: 1, min: 1, max: 20 },
  /** A run is quiet when processes other than the bench's used at most this many cores (/proc/stat). */
  maxOtherCores: { default: 0.25 },
  redisUrl: { default: 'redis://127.0.0.1:6379', env: 'REDIS_URL' },
  outDir: { default: path.join(BENCH_DIR, 'results') },
  /** When set, the server processes write V8 CPU profiles under it. */
  cpuProfileDir: { flag: 'profile-dir', default: '' },
} as const satisfies Spec;

/** `pool-size`, `POOL_SIZE` and `poolSize` all name one option. */
const squash = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const BOOLEAN = /^(1|true|yes|0|false|no)$/;

/**
 * `--pool-size 5`, `--pool-size=5` or `--poolSize 5`, else `BENCH_POOL_SIZE=5`, else the default (its
 * `tiny` one under `--tiny`). A boolean flag with no value reads as `true`; an unknown flag, a
 * positional argument, a missing value or one out of bounds is an error.
 */
export function readOptions<S extends Spec>(own: S, argv: readonly string[], env: Env) {
  const spec: Spec = { ...COMMON, ...own, tiny: { default: false } };
  const flagOf = (key: string) => spec[key]!.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const keyOf = new Map(Object.keys(spec).map((k) => [squash(flagOf(k)), k]));
  // parseArgs reads every option as a string under its kebab-case flag: other spellings are renamed to it
  // first, and a boolean flag not followed by true/false… gets `=true`.
  const args = argv.map((arg, i) => {
    const [, name, value] = /^--([^=]+)(=.*)?$/.exec(arg) ?? [];
    const key = name && keyOf.get(squash(name));
    if (!key) return arg;
    const isBare = !value && typeof spec[key]!.default === 'boolean' && !BOOLEAN.test(argv[i + 1] ?? '');
    return `--${flagOf(key)}${value ?? (isBare ? '=true' : '')}`;
  });
  const options = Object.fromEntries(Object.keys(spec).map((k) => [flagOf(k), { type: 'string' as const }]));
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const given: Record<string, string | undefined> = {};
  for (const key of Object.keys(spec)) given[key] = values[flagOf(key)] as string | undefined;
  for (const [name, value] of Object.entries(env)) {
    const key = name.startsWith('BENCH_') && keyOf.get(squash(name.slice(6)));
    if (key && value) given[key] ??= value;
  }
  const isTiny = given.tiny !== undefined && readValue('tiny', given.tiny, spec.tiny!);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const value =
      given[key] ?? (f.env ? env[f.env] : undefined) ?? (f.follows ? given[f.follows] : undefined);
    if (value !== undefined) out[key] = readValue(flagOf(key), value, f);
    else out[key] = isTiny && f.tiny !== undefined ? f.tiny : f.default;
  }
  delete out.tiny;
  for (const [key, value] of Object.entries(out)) {
    const host = key.endsWith('Url') ? new URL(String(value)).hostname : 'localhost';
    if (host !== '127.0.0.1' && host !== 'localhost')
      throw new Error(`the bench only targets 127.0.0.1, not ${value}`);
  }
  out.outDir = path.resolve(String(out.outDir));
  if (out.cpuProfileDir) out.cpuProfileDir = path.resolve(String(out.cpuProfileDir));
  else delete out.cpuProfileDir;
  return out as OptionsOf<typeof COMMON & S>;
}

function readValue(flag: string, value: string, f: Flag) {
  if (typeof f.default === 'string') return value;
  if (typeof f.default === 'boolean') {
    if (!BOOLEAN.test(value)) throw new Error(`--${flag} must be true or false, got ${value}`);
    return /^(1|true|yes)$/.test(value);
  }
  const [n, min, max] = [value.trim() ? Number(value) : Number.NaN, f.min ?? 0, f.max ?? Infinity];
  if (!(n >= min && n <= max) || !Number.isFinite(n))
    throw new Error(
      `--${flag} must be a number ≥ ${min}${f.max === undefined ? '' : ` and ≤ ${max}`}, got ${value}`,
    );
  return n;
}

/**
 * Ctrl-C during a run: stop the children and delete the run's keys before leaving, instead of leaving a
 * million-token queue in a shared Redis. A second signal or 30 s ends it regardless.
 */
const onInterrupt = new Set<() => Promise<void>>();
function installInterruptHandler(): void {
  const handle = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up…`);
    setTimeout(() => process.exit(130), 30_000).unref();
    process.once(signal, () => process.exit(130));
    void Promise.allSettled([...onInterrupt].map((t) => t())).finally(() => process.exit(130));
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}

export type Log = (line: string) => void;

/** One run's Redis prefix, secrets, connection, queue and server processes, cleaned up once (end or Ctrl-C). */
export async function openSession(
  name: string,
  opts: { redisUrl: string; cpuProfileDir?: string },
  log: Log,
  cleanUpMore: () => Promise<void> = async () => undefined,
) {
  const prefix = `bench:${name}:${randomUUID().slice(0, 8)}:`;
  // The queue tokens' key, and the identity provider's HS256 secret (AUTH_JWT_SECRET), which must differ.
  const [secret, authSecret] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
  const adminKey = randomBytes(16).toString('hex');
  const redis = createRedis(opts.redisUrl, { name: `bench-${name}` });
  await redis.connect();
  const running: ServerProcess[] = [];
  const stopServers = async () => void (await Promise.allSettled(running.splice(0).map((s) => s.stop())));
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await stopServers();
      await cleanUpMore();
      const deleted = await deleteKeysWithPrefix(redis, prefix).catch((err: Error) => {
        log(`  cleanup failed: ${err.message}`);
        return 0;
      });
      log(`  cleaned up ${deleted} keys under ${prefix}`);
    })());
  onInterrupt.add(cleanUp);
  return {
    prefix,
    authSecret,
    adminKey,
    /** What every service under test is started with: this run's Redis keys and secrets, no rate limit, no logs. */
    env: {
      REDIS_URL: opts.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_TOKEN_SECRET: secret,
      AUTH_JWT_SECRET: authSecret,
      ADMIN_API_KEY: adminKey,
      RATE_LIMIT_MAX: '0',
      LOG_LEVEL: 'silent',
    },
    redis,
    queue: createQueueCore({ redis, prefix }),
    codec: createTokenCodec(secret),
    async start(server: string, kind: ServerKind, env: Record<string, string> = {}) {
      const s = await startServer(server, kind, env, opts.cpuProfileDir);
      running.push(s);
      return s;
    },
    stopServers,
    async close() {
      onInterrupt.delete(cleanUp);
      await cleanUp();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export type Session = Awaited<ReturnType<typeof openSession>>;

/** The CLI: read the options, run, write `<outDir>/<name>-<timestamp>.json`, print the tables. */
export async function runCli<O extends { outDir: string }>(
  moduleUrl: string,
  name: string,
  read: (argv: string[], env: Env) => O,
  run: (opts: O) => Promise<{ startedAt: string; markdown: string }>,
): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  try {
    installInterruptHandler();
    const opts = read(process.argv.slice(2), process.env);
    const report = await run(opts);
    const file = writeJsonReport(opts.outDir, name, report, new Date(report.startedAt));
    console.log(report.markdown);
    console.log(`\nJSON: ${path.relative(process.cwd(), file)}`);
  } catch (err) {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  }
}
