import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { createRedis } from '@concert/http';
import type { Redis } from 'ioredis';

/** `INFO <section>` as a map of its fields. */
export async function readInfo(redis: Redis, section: string): Promise<Record<string, string>> {
  const lines = (await redis.info(section))
    .split('\r\n')
    .filter((l) => l.includes(':') && !l.startsWith('#'));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

/** CPU seconds the Redis server has used so far (user + system, all its threads). */
export async function readRedisCpuSeconds(redis: Redis): Promise<number> {
  const cpu = await readInfo(redis, 'cpu');
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
}

/** `used_memory`, read once UNLINKed values have been freed by the lazy-free thread (at most 10 s). */
export async function readUsedMemory(redis: Redis): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await readInfo(redis, 'memory');
    if (Number(info.lazyfree_pending_objects ?? 0) === 0 || Date.now() > deadline)
      return Number(info.used_memory);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Exact bytes of one key (`MEMORY USAGE … SAMPLES 0` walks every element: bench only). */
export async function readKeyMemory(redis: Redis, key: string): Promise<number> {
  return ((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null) ?? 0;
}

/**
 * `redis-benchmark --csv` for one command, `__rand_int__` below `keyspace`, 50 clients. An arbitrary
 * command rather than `-t zadd`: the built-in tests write unprefixed keys (`myzset`) a shared Redis may hold.
 */
export async function redisBenchmark(url: string, command: string[], requests: number, keyspace: number) {
  const u = new URL(url);
  // Options must precede the command: anything after it is sent to Redis as an argument.
  const args = ['-h', u.hostname || '127.0.0.1', '-p', u.port || '6379', '-n', String(requests), '-c', '50'];
  args.push('-r', String(keyspace), '--csv', ...command);
  const commandLine = ['redis-benchmark', ...args].join(' ');
  const { stdout } = await promisify(execFile)('redis-benchmark', args, { timeout: 120_000 }).catch(
    (e: Error) => {
      throw new Error(`${commandLine}: ${e.message} (is redis-benchmark installed with redis-server?)`);
    },
  );
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const line = stdout.split('\n').find((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const [rps, avg, , p50, p95, p99, max] = [...(line ?? '').matchAll(/"([^"]*)"/g)]
    .slice(1)
    .map((m) => Number(m[1]));
  if (!(rps! > 0)) throw new Error(`${commandLine}: no result line in ${JSON.stringify(stdout)}`);
  return {
    commandLine,
    requestsPerSecond: rps!,
    latencyMs: { avg: avg!, p50: p50!, p95: p95!, p99: p99!, max: max! },
  };
}

/**
 * A redis-server of the bench's own, on a free port, saving nothing: its INFO memory counts only what
 * the bench wrote there, not the tests or other benches that share the machine's Redis (a 2,000-token
 * fill is 120 KB, less than their churn).
 */
export async function startPrivateRedis(): Promise<{ redis: Redis; stop: () => Promise<void> }> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  const redis = createRedis(`redis://127.0.0.1:${port}`, { name: 'bench-private' });
  for (let tries = 0; ; tries++) {
    try {
      await redis.connect();
      await redis.ping();
      break;
    } catch (err) {
      redis.disconnect();
      if (tries >= 50)
        throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    redis,
    async stop() {
      redis.disconnect();
      server.kill('SIGKILL');
      await once(server, 'exit').catch(() => undefined);
    },
  };
}
