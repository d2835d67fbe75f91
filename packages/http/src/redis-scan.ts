import { Cluster, type Redis } from 'ioredis';

/**
 * Every key that matches `pattern`, by SCAN on the one server or on every master of a cluster (a
 * cluster client's SCAN would visit one node only). A key may show up twice (SCAN's guarantee is
 * "at least once"), so the answer is deduplicated. Never on a request path: it walks the keyspace.
 */
export async function scanKeys(redis: Redis, pattern: string, count = 1000): Promise<string[]> {
  const client = redis as unknown as Cluster | Redis;
  const servers: Redis[] = client instanceof Cluster ? client.nodes('master') : [redis];
  const found = new Set<string>();
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      for (const key of keys) found.add(key);
    } while (cursor !== '0');
  }
  return [...found];
}
