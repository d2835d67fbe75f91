import { createRedis } from '@concert/http';
import {
  createTestPrefix,
  createTestRedisClient,
  deleteKeysWithPrefix,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
} from '@concert/testing';
import { Redlock } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

// Redlock's locks on a connection made as the services make theirs (createRedis, auto-pipelined),
// on one Redis and, in the suite's cluster pass, on the Redis Cluster. Redlock defines its scripts on
// the first lock; both an automatic pipeline made before that and a Cluster's routing of a pipelined
// script by its first argument (the key count) broke them. The connection keeps them out of pipelines.
const prefix = createTestPrefix('redlock-connection');
const target = { url: TEST_REDIS_URL, clusterNodes: TEST_REDIS_CLUSTER_NODES?.split(',') };
const open: Redis[] = [];

async function connect(): Promise<Redis> {
  const redis = createRedis(target, { name: 'test-locks', forRedlock: true });
  open.push(redis);
  await redis.connect();
  return redis;
}

afterAll(async () => {
  const cleaner = createTestRedisClient();
  await deleteKeysWithPrefix(cleaner, prefix);
  await cleaner.quit();
  await Promise.all(open.map((r) => r.quit()));
});

describe('Redlock on an auto-pipelined connection', () => {
  it('takes its first lock in the same turn as other commands, with nothing thrown outside a promise', async () => {
    const redis = await connect();
    const redlock = new Redlock([redis], { retryCount: 0 });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // One turn: a plain command opens an automatic pipeline, then the first lock defines the scripts.
      const read = redis.get(`${prefix}:{a}:plain`);
      const lock = await redlock.acquire([`${prefix}:{a}:lock`], 5000);
      expect(await read).toBeNull();
      await lock.release();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('locks 64 keys of as many slots at once, each exactly once, and releases them', async () => {
    const redis = await connect();
    const redlock = new Redlock([redis], { retryCount: 0 });
    const keys = Array.from({ length: 64 }, (_, i) => `${prefix}:{seat-${i}}`);
    const taken = await Promise.all(keys.map((k) => redlock.acquire([k], 5000)));
    // A second lock on any of them is refused while the first is held.
    const again = await Promise.allSettled(keys.map((k) => redlock.acquire([k], 5000)));
    expect(again.filter((r) => r.status === 'fulfilled')).toHaveLength(0);
    await Promise.all(taken.map((l) => l.release()));
    const check = createTestRedisClient();
    try {
      expect(await Promise.all(keys.map((k) => check.exists(k)))).toEqual(keys.map(() => 0));
    } finally {
      await check.quit();
    }
  });
});
