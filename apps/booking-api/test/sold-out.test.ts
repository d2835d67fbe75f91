import { isSoldOutCount, seatsLeftKey } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeTokens,
  bearer,
  buildTestApp,
  createTestEnv,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
  waitFor,
} from './helpers.ts';

// The booking side of the waiting room's soldOut: each concert's seats-left count in Redis, moved as
// seats are held, sold and released through HTTP and by the expiry workers, filled in from MySQL when
// Redis has none, and set by the catalog endpoint. The gateway's side (polls and streams reading it)
// is tested in apps/queue-gateway/test/sold-out.test.ts against the same key.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('sold_out');
  await seedCatalog(env.prisma, { users: 10, concerts: [{ id: 1, schedules: [{ id: 1, seats: 2 }] }] });
});

afterAll(async () => {
  await env?.close();
});

const count = async (concertId: number) => env.redis.get(seatsLeftKey(concertId, env.prefix));

describe('the seats-left count behind soldOut', () => {
  it('is filled in from MySQL, taken by holds, kept by a sale, and given back by expiry', async () => {
    const app = await buildTestApp(env, {
      WORKERS_INLINE: 'true',
      // Long enough for user 1 to charge and pay on a loaded machine (1 s was not, once in CI), short
      // enough for user 2's hold to expire within the test.
      HOLD_TTL_SECONDS: '4',
      HOLD_SWEEP_INTERVAL_MS: '300',
      ADMIN_API_KEY: 'sold-out-admin',
    });
    try {
      // A seeded concert had no count: the workers set it from MySQL at start.
      await waitFor(async () => (await count(1)) === '2', 5_000, 'the count to be filled in');
      const tokens = await activeTokens(env, 1, [1, 2]);
      const holds = await Promise.all(
        [1, 2].map((u) =>
          app.inject({
            method: 'POST',
            url: '/v1/reservations',
            headers: bearer(tokens.get(u)!),
            payload: { scheduleId: 1, seatId: seatId(1, u) },
          }),
        ),
      );
      expect(holds.map((h) => h.statusCode)).toEqual([201, 201]);
      await waitFor(async () => (await count(1)) === '0', 2_000, 'both seats taken');
      expect(isSoldOutCount(await count(1))).toBe(true);

      // User 1 pays: the seat stays taken. User 2's hold expires: its seat comes back.
      await app.inject({
        method: 'POST',
        url: '/v1/users/1/balance/charges',
        headers: await userAuth(1),
        payload: { amount: 100_000 },
      });
      const paid = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: bearer(tokens.get(1)!),
        payload: { reservationIds: [holds[0]!.json().reservationId] },
      });
      expect(paid.statusCode).toBe(201);
      await waitFor(async () => (await count(1)) === '1', 10_000, 'the expired hold to give its seat back');
      expect(isSoldOutCount(await count(1))).toBe(false);
      // Nothing moves it further: the paid seat is not given back.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await count(1)).toBe('1');

      // A concert made through the catalog starts with all its seats.
      const created = await app.inject({
        method: 'POST',
        url: '/v1/admin/concerts',
        headers: { 'x-admin-key': 'sold-out-admin' },
        payload: {
          name: 'Counted',
          schedules: [
            { playDate: '2027-10-01', sections: [{ row: 'A', seats: 7, price: 1_000 }] },
            { playDate: '2027-10-02', sections: [{ row: 'B', seats: 5, price: 1_000 }] },
          ],
        },
      });
      expect(created.statusCode).toBe(201);
      expect(await count(created.json().concertId)).toBe('12');

      // Redis lost the count: the next sweep fills it in again from MySQL.
      await env.redis.del(seatsLeftKey(1, env.prefix));
      await waitFor(async () => (await count(1)) === '1', 5_000, 'the lost count to come back');
    } finally {
      await app.close();
    }
  });
});
