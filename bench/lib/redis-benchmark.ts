import { spawn } from 'node:child_process';

export interface RedisBenchmarkOptions {
  /** `redis://host:port`; only the host and port are used. */
  url: string;
  /** The command and its arguments, e.g. `['ZADD', key, '__rand_int__', 'm:__rand_int__']`. */
  command: string[];
  requests: number;
  /** Parallel connections (redis-benchmark's -c; its default is 50). */
  clients?: number;
  /** -r: `__rand_int__` expands to a 12-digit number below this. */
  keyspace?: number;
  /** -P: requests pipelined per connection (default 1). */
  pipeline?: number;
  timeoutMs?: number;
}

export interface RedisBenchmarkResult {
  /** The exact command line that ran. */
  commandLine: string;
  requestsPerSecond: number;
  latencyMs: { avg: number; p50: number; p95: number; p99: number; max: number };
}

/**
 * Runs `redis-benchmark --csv` for one command and parses its line. Arbitrary commands rather than
 * `-t zadd`, because the built-in tests write unprefixed keys (`myzset`) that a shared Redis may hold.
 */
export async function redisBenchmark(opts: RedisBenchmarkOptions): Promise<RedisBenchmarkResult> {
  const u = new URL(opts.url);
  // Options must precede the command: anything after it is sent to Redis as an argument.
  const args = ['-h', u.hostname || '127.0.0.1', '-p', u.port || '6379', '-n', String(opts.requests)];
  args.push('-c', String(opts.clients ?? 50));
  if (opts.keyspace) args.push('-r', String(opts.keyspace));
  if (opts.pipeline && opts.pipeline > 1) args.push('-P', String(opts.pipeline));
  args.push('--csv', ...opts.command);
  const commandLine = ['redis-benchmark', ...args].join(' ');

  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${commandLine}: ${e.message} (is redis-benchmark installed with redis-server?)`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${commandLine}: exit ${code ?? signal}: ${err.trim() || out.trim()}`));
    });
  });

  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const line = stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('"') && !l.startsWith('"test"'));
  if (!line) throw new Error(`${commandLine}: no result line in ${JSON.stringify(stdout)}`);
  const cells = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  const [rps, avg, , p50, p95, p99, max] = cells.slice(1).map(Number);
  if (!(rps! > 0)) throw new Error(`${commandLine}: unreadable result line ${line}`);
  return {
    commandLine,
    requestsPerSecond: rps!,
    latencyMs: { avg: avg!, p50: p50!, p95: p95!, p99: p99!, max: max! },
  };
}
