/** What every bench shares: its options, its run's keys and secrets, its server processes, its clean-up. */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRedis } from '@concert/http';
import { createQueueCore, createTokenCodec } from '@concert/queue-core';
import { deleteKeysWithPrefix } from '@concert/testing';
import { type ServerKind, type ServerProcess, startServer } from './child.ts';
import { writeJsonReport } from './report.ts';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One option: its default (and so its type), its `--tiny` value, its flag when not the key in kebab-case. */
export interface Flag {
  default: number | string | boolean;
  tiny?: number | string | boolean;
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
  /** Seconds of each measured timed run, after `warmupSeconds` of unmeasured load. */
  durationSeconds: { flag: 'duration', default: 10, tiny: 1 },
  warmupSeconds: { flag: 'warmup', default: 2, tiny: 0 },
  connections: { default: 50, tiny: 10 },
  pipelining: { default: 1 },
  /** Each figure is the median over the rounds' quiet runs (or all of them when none was quiet). */
  rounds: { default: 3, tiny: 1 },
  /** A run is quiet when processes other than the bench's used at most this many cores (/proc/stat). */
  maxOtherCores: { default: 0.25 },
  redisUrl: { default: 'redis://127.0.0.1:6379', env: 'REDIS_URL' },
  outDir: { default: path.join(BENCH_DIR, 'results') },
  /** When set, the server processes write V8 CPU profiles under it. */
  cpuProfileDir: { flag: 'profile-dir', default: '' },
} as const satisfies Spec;

/** `pool-size`, `POOL_SIZE` and `poolSize` all name one option. */
const squash = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

/**
 * `--pool-size 5`, `--pool-size=5` or `--poolSize 5`, else `BENCH_POOL_SIZE=5`, else the default (its
 * `tiny` one under `--tiny`). A flag with no value reads as `true`; an unknown flag is an error.
 */
export function readOptions<S extends Spec>(own: S, argv: readonly string[], env: Env) {
  const spec: Spec = { ...COMMON, ...own, tiny: { default: false } };
  const keyOf = new Map(Object.entries(spec).map(([k, f]) => [squash(f.flag ?? k), k]));
  const given: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]!);
    const key = m && keyOf.get(squash(m[1]!));
    if (!key) throw new Error(`unknown argument ${argv[i]}`);
    const next = argv[i + 1];
    given[key] = m[2] ?? (next !== undefined && !next.startsWith('--') ? argv[++i]! : 'true');
  }
  for (const [name, value] of Object.entries(env)) {
    const key = name.startsWith('BENCH_') && keyOf.get(squash(name.slice(6)));
    if (key && value) given[key] ??= value;
  }
  const isTiny = given.tiny !== undefined && readValue('tiny', given.tiny, false);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const value =
      given[key] ?? (f.env ? env[f.env] : undefined) ?? (f.follows ? given[f.follows] : undefined);
    if (value !== undefined) out[key] = readValue(key, value, f.default);
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

function readValue(key: string, value: string, like: unknown) {
  if (typeof like === 'string') return value;
  if (typeof like === 'boolean') {
    if (!/^(1|true|yes|0|false|no)$/.test(value))
      throw new Error(`${key} must be true or false, got ${value}`);
    return /^(1|true|yes)$/.test(value);
  }
  const n = Number(value);
  if (!(n >= 0)) throw new Error(`${key} must be a number ≥ 0, got ${value}`);
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
