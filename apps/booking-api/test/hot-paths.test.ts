import { createSqlPool } from '@concert/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeToken,
  bearer,
  buildTestApp,
  createTestEnv,
  reservationStatus,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
  waitFor,
} from './helpers.ts';

// The hold and payment batches (src/db/hot-sql.ts) and the caches in front of them, attacked through
// HTTP and checked in MySQL: the past-due retry of a duplicate seat, a payment chosen as a deadlock
// victim, an unknown or newly created schedule on a cold or stale catalog cache, and the seat list's
// micro-cache against the instance's own holds.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('hot_paths');
  await seedCatalog(env.prisma, {
    users: 20,
    concerts: [{ id: 1, schedules: [{ id: 1, seats: 10 }] }],
  });
});

afterAll(async () => {
  await env?.close();
});

const hold = (app: FastifyInstance, token: string, seat: number, scheduleId = 1) =>
  app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId, seatId: seat },
  });

const seatList = async (app: FastifyInstance, token: string, scheduleId = 1) => {
  const res = await app.inject({
    method: 'GET',
    url: `/v1/schedules/${scheduleId}/seats`,
    headers: bearer(token),
  });
  expect(res.statusCode).toBe(200);
  return res.json() as { seatId: number; status: string }[];
};

async function liveOnSeat(seat: number): Promise<number> {
  return env.prisma.reservation.count({ where: { seatId: seat, status: { in: ['PROGRESS', 'COMPLETED'] } } });
}

describe('the hold batch', () => {
  it('refuses a held seat on the unique index, then takes it once the hold is past due, before any job ran', async () => {
    // No workers: only the hold's own past-due release can free the seat. A lease shorter than the
    // test's gaps, so that the second attempt reaches MySQL instead of the Redlock lease.
    const app = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '1',
      SEAT_LOCK_TTL_MS: '200',
      SEAT_LIST_CACHE_MS: '0',
    });
    try {
      const a = await activeToken(env, 1, 1);
      const b = await activeToken(env, 1, 2);
      const first = await hold(app, a, seatId(1, 1));
      expect(first.statusCode).toBe(201);

      await new Promise((r) => setTimeout(r, 300));
      const refused = await hold(app, b, seatId(1, 1));
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('SEAT_UNAVAILABLE');
      expect(await liveOnSeat(seatId(1, 1))).toBe(1);

      await new Promise((r) =>
        setTimeout(r, Math.max(0, Date.parse(first.json().expiresAt) + 100 - Date.now())),
      );
      // Past due, still PROGRESS in MySQL (nothing expired it), and read as EXPIRED.
      expect(
        await env.prisma.reservation.findUnique({ where: { id: first.json().reservationId } }),
      ).toMatchObject({
        status: 'PROGRESS',
      });
      const taken = await hold(app, b, seatId(1, 1));
      expect(taken.statusCode).toBe(201);
      expect(await reservationStatus(env.prisma, first.json().reservationId)).toBe('EXPIRED');
      expect(await liveOnSeat(seatId(1, 1))).toBe(1);
      expect((await seatList(app, b)).find((s) => s.seatId === seatId(1, 1))?.status).toBe('HELD');
    } finally {
      await app.close();
    }
  });
});

describe('the payment batch', () => {
  it('runs again when InnoDB picks it as a deadlock victim, and pays exactly once', async () => {
    const app = await buildTestApp(env, { HOLD_TTL_SECONDS: '300' });
    const userId = 3;
    const raw = createSqlPool(env.db.url, { poolSize: 1, acquireTimeoutMs: 5_000 });
    const conn = await raw.getConnection();
    try {
      const token = await activeToken(env, 1, userId);
      const held = await hold(app, token, seatId(1, 2));
      expect(held.statusCode).toBe(201);
      const reservationId = held.json().reservationId as number;
      expect(
        (
          await app.inject({
            method: 'POST',
            url: `/v1/users/${userId}/balance/charges`,
            headers: await userAuth(userId),
            payload: { amount: 50_000 },
          })
        ).statusCode,
      ).toBe(200);
      const [{ deadlocks: before } = { deadlocks: '' }] = (await conn.query(
        "SELECT VARIABLE_VALUE AS deadlocks FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'",
      )) as { deadlocks: string }[];

      // A rival transaction that writes many rows (so InnoDB rolls back the payment, the lighter one)
      // and takes the balance row first.
      await conn.query('START TRANSACTION');
      await conn.query('UPDATE Balance SET updated_at = NOW(3) WHERE user_id > 10');
      await conn.query('UPDATE Seat SET seat_no = seat_no WHERE concert_schedule_id = 1');
      await conn.query('UPDATE Balance SET updated_at = NOW(3) WHERE user_id = ?', [userId]);
      // The payment locks its reservation, then waits for the balance row (inject starts on then()).
      const paying = Promise.resolve(
        app.inject({
          method: 'POST',
          url: '/v1/payments',
          headers: bearer(token),
          payload: { reservationIds: [reservationId] },
        }),
      );
      await waitFor(
        async () => {
          const rows = await env.prisma.$queryRawUnsafe<{ n: bigint }[]>(
            'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ?',
            'UPDATE Balance SET `value` = `value` - @total%',
          );
          return Number(rows[0]?.n ?? 0) > 0;
        },
        5_000,
        'the payment to wait on the balance row',
      );
      // The cycle: the rival now wants the reservation the payment has locked.
      await conn.query('SELECT reservation_id FROM Reservation WHERE reservation_id = ? FOR UPDATE', [
        reservationId,
      ]);
      await conn.query('COMMIT');

      const res = await paying;
      expect(res.statusCode).toBe(201);
      const [{ deadlocks: after } = { deadlocks: '' }] = (await conn.query(
        "SELECT VARIABLE_VALUE AS deadlocks FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'",
      )) as { deadlocks: string }[];
      expect(Number(after)).toBeGreaterThan(Number(before));

      expect(await reservationStatus(env.prisma, reservationId)).toBe('COMPLETED');
      const payments = await env.prisma.payment.findMany({ where: { userId } });
      expect(payments).toHaveLength(1);
      const balance = await env.prisma.balance.findUnique({ where: { userId } });
      expect(Number(balance!.amount)).toBe(40_000);
      const ledger = await env.prisma.balanceLedger.findMany({ where: { userId } });
      expect(ledger.reduce((sum, e) => sum + Number(e.amount), 0)).toBe(40_000);
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
      await conn.release();
      await raw.end();
      await app.close();
    }
  });
});

describe('the catalog cache', () => {
  it('answers 404 for an unknown schedule or seat, and serves a schedule created later on another instance', async () => {
    const a = await buildTestApp(env, { ADMIN_API_KEY: 'hot-admin', CATALOG_UNKNOWN_TTL_MS: '300' });
    const b = await buildTestApp(env, { CATALOG_UNKNOWN_TTL_MS: '300' });
    try {
      const token = await activeToken(env, 1, 4);
      const unknownSchedule = await hold(b, token, seatId(1, 1), 999_999);
      expect(unknownSchedule.statusCode).toBe(404);
      expect(unknownSchedule.json().code).toBe('SEAT_NOT_FOUND');
      const unknownSeat = await hold(b, token, seatId(1, 999));
      expect(unknownSeat.statusCode).toBe(404);
      expect(unknownSeat.json().code).toBe('SEAT_NOT_FOUND');

      // Instance b learns that the next schedule id is unknown (a cached miss)…
      const [{ next } = { next: 0n }] = await env.prisma.$queryRaw<{ next: bigint }[]>`
        SELECT AUTO_INCREMENT AS next FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Concert_Schedule'`;
      const nextId = Number(next);
      const early = await b.inject({
        method: 'GET',
        url: `/v1/schedules/${nextId}/seats`,
        headers: bearer(token),
      });
      expect(early.statusCode).toBe(404);
      expect(early.json().code).toBe('SCHEDULE_NOT_FOUND');

      // …then instance a creates it.
      const created = await a.inject({
        method: 'POST',
        url: '/v1/admin/concerts',
        headers: { 'x-admin-key': 'hot-admin' },
        payload: {
          name: 'Late addition',
          schedules: [{ playDate: '2027-09-01', sections: [{ row: 'A', seats: 3, price: 7_000 }] }],
        },
      });
      expect(created.statusCode).toBe(201);
      const { concertId, schedules } = created.json() as {
        concertId: number;
        schedules: { scheduleId: number }[];
      };
      expect(schedules[0]!.scheduleId).toBe(nextId);

      // Within CATALOG_UNKNOWN_TTL_MS, b serves the new schedule to a token of the new concert.
      const fresh = await activeToken(env, concertId, 5);
      await waitFor(
        async () =>
          (await b.inject({ method: 'GET', url: `/v1/schedules/${nextId}/seats`, headers: bearer(fresh) }))
            .statusCode === 200,
        2_000,
        'the new schedule on the other instance',
      );
      const seats = await seatList(b, fresh, nextId);
      expect(seats).toHaveLength(3);
      const held = await hold(b, fresh, seats[0]!.seatId, nextId);
      expect(held.statusCode).toBe(201);
      expect(held.json().price).toBe(7_000);
      // A token of another concert is refused on it, from the cache too.
      expect((await hold(b, token, seats[1]!.seatId, nextId)).json().code).toBe('TOKEN_NOT_ACTIVE');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the seat list micro-cache', () => {
  it("shows the instance's own holds at once, and another instance's within SEAT_LIST_CACHE_MS", async () => {
    const a = await buildTestApp(env, { SEAT_LIST_CACHE_MS: '400' });
    const b = await buildTestApp(env, { SEAT_LIST_CACHE_MS: '400' });
    try {
      const token = await activeToken(env, 1, 6);
      const seat = seatId(1, 5);
      const statusOn = async (app: FastifyInstance) =>
        (await seatList(app, token)).find((s) => s.seatId === seat)?.status;
      expect(await statusOn(a)).toBe('AVAILABLE');
      expect(await statusOn(b)).toBe('AVAILABLE');

      const res = await hold(a, token, seat);
      expect(res.statusCode).toBe(201);
      // The holder's instance dropped its list; the other serves its cached one until it ages out.
      expect(await statusOn(a)).toBe('HELD');
      const heldAt = Date.now();
      await waitFor(async () => (await statusOn(b)) === 'HELD', 2_000, 'the other instance to show HELD');
      expect(Date.now() - heldAt).toBeLessThan(1_500);

      // Lists read while the instance's own holds drop them, again and again: every one answers 200
      // (an invalidation must never fail the reads waiting on a load in flight).
      const others = await Promise.all([7, 8, 9, 10].map((u) => activeToken(env, 1, u)));
      const [lists, holds] = await Promise.all([
        Promise.all(
          Array.from({ length: 60 }, () =>
            a.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) }),
          ),
        ),
        Promise.all(others.map((t, i) => hold(a, t, seatId(1, 6 + i)))),
      ]);
      expect(holds.map((h) => h.statusCode)).toEqual([201, 201, 201, 201]);
      expect(lists.map((l) => l.statusCode)).toEqual(lists.map(() => 200));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
