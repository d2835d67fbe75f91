import type { Redis } from 'ioredis';

/** `INFO <section>` as a map of its fields. */
export async function readInfo(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** CPU seconds the Redis server has used so far (user + system, all its threads). */
export async function readRedisCpuSeconds(redis: Redis): Promise<number> {
  const cpu = await readInfo(redis, 'cpu');
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
}

/**
 * `used_memory` from `INFO memory`, read once UNLINKed values have been freed by the lazy-free thread
 * (they still count until then). Waits at most `timeoutMs`.
 */
export async function readUsedMemory(redis: Redis, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    const info = await readInfo(redis, 'memory');
    if (Number(info.lazyfree_pending_objects ?? 0) === 0 || Date.now() > deadline) {
      return Number(info.used_memory);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('readUsedMemory: lazy free never finished');
}

/** Exact bytes of one key (`MEMORY USAGE … SAMPLES 0` walks every element: bench only, never a request path). */
export async function readKeyMemory(redis: Redis, key: string): Promise<number> {
  const bytes = (await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
  return bytes ?? 0;
}

/**
 * Deletes every key under a prefix with SCAN and UNLINK. Only ever called with the bench's own unique
 * prefix, never on a request path, never FLUSHALL. Bounded in rounds and in time.
 */
export async function deleteKeysWithPrefix(
  redis: Redis,
  prefix: string,
  timeoutMs = 60_000,
): Promise<number> {
  if (prefix.length < 8)
    throw new Error(`refusing to delete keys under the short prefix ${JSON.stringify(prefix)}`);
  const deadline = Date.now() + timeoutMs;
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < 1_000_000; round++) {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    if (found.length > 0) deleted += await redis.unlink(...found);
    cursor = next;
    if (cursor === '0') return deleted;
    if (Date.now() > deadline)
      throw new Error(`deleteKeysWithPrefix(${prefix}): still scanning after ${timeoutMs} ms`);
  }
  throw new Error(`deleteKeysWithPrefix(${prefix}): too many SCAN rounds`);
}

/** Escapes SCAN MATCH's glob characters (the room keys' hash tags hold braces, prefixes may hold others). */
const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** Calls and microseconds of one command so far, from `INFO commandstats` (all clients of the server). */
export async function readCommandStats(
  redis: Redis,
  command: string,
): Promise<{ calls: number; usec: number }> {
  const stats = await readInfo(redis, 'commandstats');
  const line = stats[`cmdstat_${command.toLowerCase()}`];
  if (!line) return { calls: 0, usec: 0 };
  const fields = Object.fromEntries(line.split(',').map((kv) => kv.split('=') as [string, string]));
  return { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) };
}
