import { createQueueCore, seatsLeftKey } from '@concert/queue-core';
import { type OwnRedis, startOwnRedis, TEST_REDIS_CLUSTER_NODES } from '@concert/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_SCHEDULER_ID } from '../src/workers/queues.ts';
import {
  bearer,
  buildTestApp,
  createTestEnv,
  reservationStatus,
  seatId,
  seedCatalog,
  type TestEnv,
  WIDE_ROOM,
  waitFor,
} from './helpers.ts';

// A Redis that restarts empty mid-sale (no persistence, or a failover to a replica that lagged) takes
// the sweep's scheduler, every expiry bucket and the seats-left counts with it. The workers put them
// back by themselves, and an unpaid hold made before the loss still becomes EXPIRED in MySQL.
// On its own redis-server, so that it can kill it; the cluster pass skips it (it kills one server).
let env: TestEnv;
let own: OwnRedis;
let client: Redis;

beforeAll(async () => {
  env = await createTestEnv('redis_loss');
  await seedCatalog(env.prisma, { users: 5, concerts: [{ id: 1, schedules: [{ id: 1, seats: 10 }] }] });
  own = await startOwnRedis();
  client = new Redis(own.url, { protocol: 2, maxRetriesPerRequest: 1 });
  // It reconnects by itself after the restart; the refused connects in between are expected.
  client.on('error', () => undefined);
});

afterAll(async () => {
  client?.disconnect();
  await own?.stop();
  await env?.close();
});

describe.skipIf(TEST_REDIS_CLUSTER_NODES)('Redis restarting empty', () => {
  it('re-creates the sweep scheduler and the counts, and still expires holds made before the loss', async () => {
    let app: FastifyInstance | undefined;
    try {
      app = await buildTestApp(env, {
        REDIS_URL: own.url,
        WORKERS_INLINE: 'true',
        HOLD_TTL_SECONDS: '2',
        HOLD_SWEEP_INTERVAL_MS: '500',
        REDIS_LOSS_CHECK_MS: '300',
      });
      const queue = createQueueCore({ redis: client, prefix: env.prefix });
      await queue.openRoom(1, WIDE_ROOM, WIDE_ROOM);
      const joined = await queue.joinRoom(1, 1);
      await queue.promoteRoom(1, 1_000_000);
      if (joined.outcome !== 'JOINED') throw new Error(`join: ${joined.outcome}`);
      const token = env.tokens.signToken({ userId: 1, concertId: 1, tokenId: joined.tokenId });

      const held = await app.inject({
        method: 'POST',
        url: '/v1/reservations',
        headers: bearer(token),
        payload: { scheduleId: 1, seatId: seatId(1, 1) },
      });
      expect(held.statusCode).toBe(201);
      const { reservationId, expiresAt } = held.json() as { reservationId: number; expiresAt: string };
      expect(await app.holdExpiry.queue.getJobScheduler(SWEEP_SCHEDULER_ID)).toBeTruthy();

      // Killed and restarted empty, before the hold is due.
      // A key of the test's own shows the data was lost (the workers may already have written their
      // repair by the time the test looks, so the server need not be empty then).
      await client.set(`${env.prefix}sentinel`, '1');
      await own.kill();
      await own.start();
      expect(await client.exists(`${env.prefix}sentinel`)).toBe(0);

      await waitFor(
        async () =>
          (await app!.holdExpiry.queue.getJobScheduler(SWEEP_SCHEDULER_ID).catch(() => null)) != null,
        10_000,
        'the sweep scheduler to be re-created',
      );
      await waitFor(
        async () => (await reservationStatus(env.prisma, reservationId)) === 'EXPIRED',
        30_000,
        'the hold made before the loss to expire in MySQL',
      );
      const lateMs = Date.now() - Date.parse(expiresAt);
      // The contract allows a minute; with these intervals it takes a couple of seconds.
      expect(lateMs).toBeLessThan(60_000);
      // Seats without a live reservation, from MySQL: all ten again.
      await waitFor(
        async () => (await client.get(seatsLeftKey(1, env.prefix))) === '10',
        10_000,
        'the count',
      );
    } finally {
      await app?.close();
    }
  });
});
