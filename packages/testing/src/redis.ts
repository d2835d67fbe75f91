import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Cluster, Redis as IORedis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Seed nodes of a Redis Cluster (`host:port,…`). When set, the suites run against the cluster: the
 * services get it as REDIS_CLUSTER_NODES and the tests' own connections are cluster clients.
 */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || undefined;

/** The Redis settings of a service under test: the cluster when the suite runs on one. */
export const TEST_REDIS_ENV: Record<string, string> = {
  REDIS_URL: TEST_REDIS_URL,
  ...(TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES } : {}),
};

/** A plain connection of the tests' own (set-up and assertions): a cluster client on a cluster. */
export function createTestRedisClient(): Redis {
  if (!TEST_REDIS_CLUSTER_NODES) return new IORedis(TEST_REDIS_URL, { protocol: 2 });
  const nodes = TEST_REDIS_CLUSTER_NODES.split(',').map((n) => {
    const at = n.lastIndexOf(':');
    return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
  });
  return new Cluster(nodes, { redisOptions: { protocol: 2 }, scaleReads: 'master' }) as unknown as Redis;
}

/** A unique key prefix per test file, so that files running side by side never see each other's keys. */
export function createTestPrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Escapes SCAN MATCH's glob characters, so that a prefix matches only itself (room keys hold braces). */
export const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Deletes every key under a prefix, on every master of a cluster, and answers how many went. Tests,
 * benches and tools only: SCAN never runs on a request path. It refuses a prefix shorter than 8
 * characters, and gives up after `timeoutMs`.
 */
export async function deleteKeysWithPrefix(
  redis: Redis | Cluster,
  prefix: string,
  timeoutMs = 60_000,
): Promise<number> {
  if (prefix.length < 8)
    throw new Error(`refusing to delete keys under the short prefix ${JSON.stringify(prefix)}`);
  const pattern = `${escapeGlob(prefix)}*`;
  const servers: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const deadline = Date.now() + timeoutMs;
  let deleted = 0;
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, found] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // One key at a time: on a cluster, keys of one UNLINK must share a slot.
      const counts = await Promise.all(found.map((key: string) => server.unlink(key)));
      for (const n of counts) deleted += n;
      if (cursor !== '0' && Date.now() > deadline)
        throw new Error(`deleteKeysWithPrefix(${prefix}): still scanning after ${timeoutMs} ms`);
    } while (cursor !== '0');
  }
  return deleted;
}

/** A plain connection for test assertions and set-up, with the prefix it should use. */
export async function createTestRedis(
  name: string,
): Promise<{ redis: Redis; prefix: string; close(): Promise<void> }> {
  const redis = createTestRedisClient();
  const prefix = createTestPrefix(name);
  return {
    redis,
    prefix,
    async close() {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
}
