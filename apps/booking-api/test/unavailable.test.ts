import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeToken,
  bearer,
  buildTestApp,
  createTestEnv,
  problemOf,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
} from './helpers.ts';

// A dependency that is down answers 503 UNAVAILABLE with Retry-After: never a 500, never internals.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('unavailable');
  await seedCatalog(env.prisma, { users: 3, concerts: [{ id: 1, schedules: [{ id: 1, seats: 3 }] }] });
});

afterAll(async () => {
  await env?.close();
});

function expectUnavailable(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.statusCode).toBe(503);
  const problem = problemOf(res);
  expect(problem.code).toBe('UNAVAILABLE');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body).not.toMatch(/prisma|mariadb|ECONN|stack|at \//i);
}

describe('dependencies down', () => {
  it('MySQL unreachable: 503 with Retry-After; live stays 200, ready is 503', async () => {
    // A port nothing listens on.
    const url = env.db.url.replace(/:\d+\//, ':3399/');
    expect(url).not.toBe(env.db.url);
    const app = await buildTestApp(env, { DATABASE_URL: url, DATABASE_ACQUIRE_TIMEOUT_MS: '300' });
    try {
      const token = await activeToken(env, 1, 1);
      expectUnavailable(await app.inject({ method: 'GET', url: '/v1/concerts' }));
      expectUnavailable(
        await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) }),
      );
      expectUnavailable(
        await app.inject({
          method: 'POST',
          url: '/v1/reservations',
          headers: bearer(token),
          payload: { scheduleId: 1, seatId: seatId(1, 1) },
        }),
      );
      expectUnavailable(
        await app.inject({
          method: 'POST',
          url: '/v1/users/1/balance/charges',
          headers: await userAuth(1),
          payload: { amount: 5 },
        }),
      );
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expectUnavailable(await app.inject({ method: 'GET', url: '/health/ready' }));
    } finally {
      await app.close();
    }
  });

  it('Redis gone: token endpoints answer 503, and ready is 503', async () => {
    const app = await buildTestApp(env);
    try {
      const token = await activeToken(env, 1, 2);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) }))
          .statusCode,
      ).toBe(200);
      app.redis.disconnect();
      expectUnavailable(
        await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) }),
      );
      expectUnavailable(await app.inject({ method: 'GET', url: '/health/ready' }));
      // What needs no Redis still works.
      expect((await app.inject({ method: 'GET', url: '/v1/concerts' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
