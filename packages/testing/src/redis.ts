import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Redis as IORedis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix per test file, so that files running side by side never see each other's keys. */
export function createTestPrefix(name: string): string {
  return `test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under a test prefix. Tests only: SCAN never runs on a request path. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
}

/** A plain connection for test assertions and set-up, with the prefix it should use. */
export async function createTestRedis(
  name: string,
): Promise<{ redis: Redis; prefix: string; close(): Promise<void> }> {
  const redis = new IORedis(TEST_REDIS_URL, { protocol: 2, lazyConnect: true });
  await redis.connect();
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
