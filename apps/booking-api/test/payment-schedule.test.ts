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

// Payment.concert_schedule_id (the original ERD's column): the one date a payment's reservations are
// on, NULL when they span several dates of the concert. Paid through the real HTTP stack, asserted in
// MySQL against the per-reservation record (Reservation.payment_id -> concert_schedule_id).
let env: TestEnv;
let app: FastifyInstance;
const PRICE = 10_000;
const USERS = 40;

beforeAll(async () => {
  env = await createTestEnv('payment_schedule');
  await seedCatalog(env.prisma, {
    users: USERS,
    concerts: [
      {
        id: 1,
        schedules: [
          { id: 1, seats: 200, price: PRICE },
          { id: 2, seats: 200, price: PRICE },
        ],
      },
    ],
  });
  // Enough for every payment below; the charge endpoint is tested elsewhere.
  await env.prisma.balance.updateMany({ data: { amount: 1_000_000n } });
  app = await buildTestApp(env);
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

const nextSeat = { 1: 1, 2: 1 } as Record<number, number>;
async function hold(token: string, scheduleId: number): Promise<number> {
  const n = nextSeat[scheduleId]!;
  nextSeat[scheduleId] = n + 1;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId, seatId: seatId(scheduleId, n) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().reservationId as number;
}

async function pay(token: string, reservationIds: number[]): Promise<number> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: bearer(token),
    payload: { reservationIds },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().paymentId as number;
}

interface PaymentRow {
  scheduleId: number | null;
  reservationSchedules: string;
  amount: bigint;
}

async function readPayment(paymentId: number): Promise<PaymentRow> {
  const [row] = await env.prisma.$queryRaw<PaymentRow[]>`
    SELECT p.concert_schedule_id AS scheduleId, p.amount,
           GROUP_CONCAT(r.concert_schedule_id ORDER BY r.reservation_id) AS reservationSchedules
      FROM Payment p JOIN Reservation r ON r.payment_id = p.payment_id
     WHERE p.payment_id = ${paymentId}
     GROUP BY p.payment_id, p.concert_schedule_id, p.amount`;
  if (!row) throw new Error(`no payment ${paymentId} with reservations`);
  return { ...row, scheduleId: row.scheduleId === null ? null : Number(row.scheduleId) };
}

describe('Payment.concert_schedule_id', () => {
  it('records the date when every reservation paid for is on it', async () => {
    const token = (await activeTokens(env, 1, [1])).get(1)!;
    const ids = [await hold(token, 2), await hold(token, 2), await hold(token, 2)];

    const paymentId = await pay(token, ids);

    expect(await readPayment(paymentId)).toEqual({
      scheduleId: 2,
      reservationSchedules: '2,2,2',
      amount: BigInt(3 * PRICE),
    });
  });

  it('is NULL when the reservations paid for span two dates of the concert', async () => {
    const token = (await activeTokens(env, 1, [2])).get(2)!;
    const ids = [await hold(token, 1), await hold(token, 2), await hold(token, 1)];

    const paymentId = await pay(token, ids);

    expect(await readPayment(paymentId)).toEqual({
      scheduleId: null,
      reservationSchedules: '1,2,1',
      amount: BigInt(3 * PRICE),
    });
  });

  it('follows the rule for every payment of many users paying at once, on one date or two', async () => {
    const userIds = Array.from({ length: USERS - 2 }, (_, i) => i + 3);
    const tokens = await activeTokens(env, 1, userIds);
    // Every third user holds on two dates; the others on date 1 or date 2 only.
    const plans = userIds.map((userId, i) => ({
      userId,
      schedules: i % 3 === 0 ? [1, 2] : i % 3 === 1 ? [1, 1] : [2],
    }));
    const held = await Promise.all(
      plans.map(async (plan) => {
        const token = tokens.get(plan.userId)!;
        const ids: number[] = [];
        for (const scheduleId of plan.schedules) ids.push(await hold(token, scheduleId));
        return { ...plan, token, ids };
      }),
    );

    const paid = await Promise.all(held.map(async (h) => ({ ...h, paymentId: await pay(h.token, h.ids) })));

    for (const p of paid) {
      const distinct = [...new Set(p.schedules)];
      const row = await readPayment(p.paymentId);
      expect(row.scheduleId, `user ${p.userId} paid on ${p.schedules.join(',')}`).toBe(
        distinct.length === 1 ? distinct[0] : null,
      );
      expect(row.reservationSchedules).toBe(p.schedules.join(','));
    }
    // The same rule, stated in SQL over every payment in the database.
    const [wrong] = await env.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM (
        SELECT p.payment_id
          FROM Payment p JOIN Reservation r ON r.payment_id = p.payment_id
         GROUP BY p.payment_id, p.concert_schedule_id
        HAVING NOT (COUNT(DISTINCT r.concert_schedule_id) = 1 AND p.concert_schedule_id <=> MIN(r.concert_schedule_id))
           AND NOT (COUNT(DISTINCT r.concert_schedule_id) > 1 AND p.concert_schedule_id IS NULL)
      ) AS mismatched`;
    expect(Number(wrong!.n)).toBe(0);
    const [payments] = await env.prisma.$queryRaw<{ n: bigint }[]>`SELECT COUNT(*) AS n FROM Payment`;
    expect(Number(payments!.n)).toBe(paid.length + 2);
  });
});
