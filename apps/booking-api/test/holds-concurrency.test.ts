import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeTokens,
  bearer,
  buildTestApp,
  createTestEnv,
  seatId,
  seedCatalog,
  type TestEnv,
} from './helpers.ts';

// At most one live reservation per seat, however many clients race, across instances.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('holds_concurrency');
  await seedCatalog(env.prisma, {
    users: 1000,
    concerts: [
      {
        id: 1,
        schedules: [
          { id: 1, seats: 1 },
          { id: 2, seats: 50 },
          { id: 3, seats: 20 },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await env?.close();
});

async function liveReservationsPerSeat(scheduleId: number) {
  return env.prisma.$queryRaw<{ seatId: number; live: bigint }[]>`
    SELECT seat_id AS seatId, COUNT(*) AS live FROM Reservation
     WHERE concert_schedule_id = ${scheduleId} AND status IN ('PROGRESS', 'COMPLETED')
     GROUP BY seat_id`;
}

describe('concurrent holds', () => {
  it('200 users racing for one seat: exactly one 201, the rest 409 SEAT_UNAVAILABLE', async () => {
    const app = await buildTestApp(env, { DATABASE_POOL_SIZE: '10' });
    try {
      const users = Array.from({ length: 200 }, (_, i) => i + 1);
      const tokens = await activeTokens(env, 1, users);
      const responses = await Promise.all(
        users.map((u) =>
          app.inject({
            method: 'POST',
            url: '/v1/reservations',
            headers: bearer(tokens.get(u)!),
            payload: { scheduleId: 1, seatId: seatId(1, 1) },
          }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(199);
      for (const r of responses.filter((x) => x.statusCode === 409)) {
        expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(r.json().code).toBe('SEAT_UNAVAILABLE');
      }
      const live = await liveReservationsPerSeat(1);
      expect(live).toEqual([{ seatId: seatId(1, 1), live: 1n }]);
    } finally {
      await app.close();
    }
  });

  it('one user racing 20 holds in one schedule gets exactly MAX_HOLDS_PER_USER of them', async () => {
    const app = await buildTestApp(env, { MAX_HOLDS_PER_USER: '4' });
    try {
      const tokens = await activeTokens(env, 1, [999]);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/v1/reservations',
            headers: bearer(tokens.get(999)!),
            payload: { scheduleId: 3, seatId: seatId(3, i + 1) },
          }),
        ),
      );
      expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(4);
      const refused = responses.filter((r) => r.statusCode !== 201);
      expect(refused.every((r) => r.statusCode === 409 && r.json().code === 'HOLD_LIMIT_REACHED')).toBe(true);
      const held = await env.prisma.reservation.count({
        where: { userId: 999, scheduleId: 3, status: 'PROGRESS' },
      });
      expect(held).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('1000 holds on 50 seats through 2 listening instances: exactly 50 holds, no seat twice', async () => {
    const apps: FastifyInstance[] = [];
    for (let i = 0; i < 2; i++) {
      // A generous acquire timeout: this test is about correctness, and the machine runs other files.
      const app = await buildTestApp(env, { DATABASE_POOL_SIZE: '10', DATABASE_ACQUIRE_TIMEOUT_MS: '20000' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      apps.push(app);
    }
    try {
      const bases = apps.map((a) => `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`);
      const users = Array.from({ length: 1000 }, (_, i) => i + 1);
      const tokens = await activeTokens(env, 1, users);
      const results = await Promise.all(
        users.map(async (u, i) => {
          const res = await fetch(`${bases[i % 2]}/v1/reservations`, {
            method: 'POST',
            headers: { ...bearer(tokens.get(u)!), 'content-type': 'application/json' },
            body: JSON.stringify({ scheduleId: 2, seatId: seatId(2, (i % 50) + 1) }),
          });
          const body = (await res.json()) as { code?: string; seatId?: number };
          return { status: res.status, body };
        }),
      );
      const created = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 409);
      expect(results.filter((r) => r.status >= 500)).toEqual([]);
      expect(created).toHaveLength(50);
      expect(refused).toHaveLength(950);
      expect(new Set(refused.map((r) => r.body.code))).toEqual(new Set(['SEAT_UNAVAILABLE']));
      expect(new Set(created.map((r) => r.body.seatId)).size).toBe(50);

      const live = await liveReservationsPerSeat(2);
      expect(live).toHaveLength(50);
      expect(live.every((row) => row.live === 1n)).toBe(true);
      const [total] = await env.prisma.$queryRaw<
        { n: bigint }[]
      >`SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id = 2`;
      expect(total?.n).toBe(50n);
    } finally {
      await Promise.all(apps.map((a) => a.close()));
    }
  });
});
