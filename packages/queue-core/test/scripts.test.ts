import { createTestPrefix, deleteKeysWithPrefix, TEST_REDIS_URL } from '@concert/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { adjustSeatsLeft, registerQueueScripts, seatsLeftKey, setSeatsLeft } from '../src/index.ts';

// With ioredis auto-pipelining (as the services run), a script defined while an automatic pipeline
// is pending was missing from it, and the next exec threw an uncaught TypeError that ended the
// process (seen in CI: the booking API's first seats-left adjustment after a hold expired). Scripts
// are registered when a connection is created, and a script call on a connection without them fails
// on its own promise instead.
const prefix = createTestPrefix('scripts');
const open: Redis[] = [];
const connect = () => {
  const redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true, protocol: 2 });
  open.push(redis);
  return redis;
};

afterEach(async () => {
  const [first] = open;
  if (first) await deleteKeysWithPrefix(first, prefix);
  await Promise.all(open.splice(0).map((r) => r.quit()));
});

describe('queue scripts on an auto-pipelined connection', () => {
  it('refuses a script call on a connection where they were never registered, on its own promise', async () => {
    const redis = connect();
    await setSeatsLeft(redis, 1, 5, prefix);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // In one turn: a command opens an automatic pipeline, then the script call.
      const read = redis.get(seatsLeftKey(1, prefix));
      await expect(adjustSeatsLeft(redis, 1, -1, prefix)).rejects.toThrow(/not registered/);
      expect(await read).toBe('5');
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('runs scripts and plain commands in one automatic pipeline once registered at creation', async () => {
    const redis = connect();
    registerQueueScripts(redis);
    await setSeatsLeft(redis, 2, 5, prefix);
    const read = redis.get(seatsLeftKey(2, prefix));
    const moves = await Promise.all([-1, -1, 1].map((d) => adjustSeatsLeft(redis, 2, d, prefix)));
    expect(await read).toBe('5');
    expect(moves.sort()).toEqual([3, 4, 4]);
    expect(await redis.get(seatsLeftKey(2, prefix))).toBe('4');
  });
});
