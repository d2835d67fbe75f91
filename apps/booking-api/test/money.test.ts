import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeToken,
  balanceAndLedger,
  bearer,
  buildTestApp,
  createTestEnv,
  problemOf,
  reservationStatus,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
  waitFor,
} from './helpers.ts';

// Balance, payment and idempotency: no lost update, never negative, the ledger sums to the balance,
// a replay charges nothing, and a payment racing an expiry ends one way only.
let env: TestEnv;
let app: FastifyInstance;
const PRICE = 10_000;

beforeAll(async () => {
  env = await createTestEnv('money');
  await seedCatalog(env.prisma, {
    users: 50,
    concerts: [
      {
        id: 1,
        schedules: [
          { id: 1, seats: 200, price: PRICE },
          { id: 2, seats: 60, price: PRICE },
        ],
      },
    ],
  });
  app = await buildTestApp(env, { MAX_HOLDS_PER_USER: '20' });
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

let nextSeat = 1;
async function hold(token: string, scheduleId = 1): Promise<number> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId, seatId: seatId(scheduleId, nextSeat++) },
  });
  expect(res.statusCode).toBe(201);
  return res.json().reservationId as number;
}

const charge = async (userId: number, amount: number, key?: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/users/${userId}/balance/charges`,
    headers: { ...(await userAuth(userId)), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { amount },
  });

const pay = (token: string, reservationIds: number[], key?: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...bearer(token), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { reservationIds },
  });

async function countRows(sql: 'payments' | 'paymentLedger', userId: number): Promise<number> {
  const rows =
    sql === 'payments'
      ? await env.prisma.$queryRaw<
          { n: bigint }[]
        >`SELECT COUNT(*) AS n FROM Payment WHERE user_id = ${userId}`
      : await env.prisma.$queryRaw<
          { n: bigint }[]
        >`SELECT COUNT(*) AS n FROM Balance_Ledger WHERE user_id = ${userId} AND kind = 'PAYMENT'`;
  return Number(rows[0]!.n);
}

describe('balance', () => {
  it('100 concurrent charges lose no update', async () => {
    const amounts = Array.from({ length: 100 }, (_, i) => i + 1);
    const responses = await Promise.all(amounts.map((a) => charge(2, a)));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    const { balance, ledger } = await balanceAndLedger(env.prisma, 2);
    expect(balance).toBe(5050);
    expect(ledger).toBe(5050);
  });

  it('concurrent charges and payments on one balance: never negative, ledger sums to balance', async () => {
    const userId = 1;
    const token = await activeToken(env, 1, userId);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push(await hold(token));

    // 100 000 charged against 200 000 of payments: some payments must find the balance short.
    const charges = Array.from({ length: 40 }, () => charge(userId, 2_500));
    const payments = ids.map((id) => pay(token, [id]));
    const [chargeResults, paymentResults] = await Promise.all([Promise.all(charges), Promise.all(payments)]);

    expect(chargeResults.every((r) => r.statusCode === 200)).toBe(true);
    const paid = paymentResults.filter((r) => r.statusCode === 201);
    for (const r of paymentResults.filter((x) => x.statusCode !== 201)) {
      // 403: the token was spent by a payment that committed before this one passed the gate.
      expect([409, 403]).toContain(r.statusCode);
      expect(['INSUFFICIENT_BALANCE', 'TOKEN_NOT_ACTIVE']).toContain(problemOf(r).code);
    }
    expect(paid.length).toBeGreaterThan(0);

    const { balance, ledger } = await balanceAndLedger(env.prisma, userId);
    expect(balance).toBeGreaterThanOrEqual(0);
    expect(ledger).toBe(balance);
    expect(balance).toBe(40 * 2_500 - paid.length * PRICE);
    expect(await countRows('payments', userId)).toBe(paid.length);
    expect(await countRows('paymentLedger', userId)).toBe(paid.length);
    const [completed] = await env.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM Reservation WHERE user_id = ${userId} AND status = 'COMPLETED' AND payment_id IS NOT NULL`;
    expect(Number(completed!.n)).toBe(paid.length);
    const [negative] = await env.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM Balance_Ledger WHERE user_id = ${userId} AND balance_after < 0`;
    expect(Number(negative!.n)).toBe(0);
  });

  it('a charge is idempotent by key, and refuses the key with another amount', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => charge(3, 7_000, 'charge-key-1')));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body))).toEqual(
      new Set([JSON.stringify({ userId: 3, balance: 7_000 })]),
    );
    expect(await balanceAndLedger(env.prisma, 3)).toEqual({ balance: 7_000, ledger: 7_000 });

    const reused = await charge(3, 8_000, 'charge-key-1');
    expect(reused.statusCode).toBe(422);
    expect(problemOf(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same key for another user is another key.
    expect((await charge(4, 8_000, 'charge-key-1')).json()).toEqual({ userId: 4, balance: 8_000 });
  });
});

describe('payment idempotency', () => {
  it('a replay with the same key charges once, also with the spent token, in any id order', async () => {
    const userId = 10;
    const token = await activeToken(env, 1, userId);
    const a = await hold(token);
    const b = await hold(token);
    await charge(userId, 50_000);

    const first = await pay(token, [a, b], 'pay-key-1');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ reservationIds: [a, b], amount: 2 * PRICE, balance: 30_000 });

    // The payment expired the token; a client that lost the answer retries with it.
    const replay = await pay(token, [b, a], 'pay-key-1');
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(first.body);

    expect(await balanceAndLedger(env.prisma, userId)).toEqual({ balance: 30_000, ledger: 30_000 });
    expect(await countRows('payments', userId)).toBe(1);

    // Without the key the spent token is refused.
    expect(problemOf(await pay(token, [a, b])).code).toBe('TOKEN_NOT_ACTIVE');
    // With the key and another body, the spent token is refused before the key is judged.
    expect(problemOf(await pay(token, [a], 'pay-key-1')).code).toBe('TOKEN_NOT_ACTIVE');

    // With a live token, the key reused for another body is 422.
    const fresh = await activeToken(env, 1, userId);
    const c = await hold(fresh);
    const reused = await pay(fresh, [c], 'pay-key-1');
    expect(reused.statusCode).toBe(422);
    expect(problemOf(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await reservationStatus(env.prisma, c)).toBe('PROGRESS');
  });

  it('a replay is answered even when the token expired by leaving', async () => {
    const userId = 11;
    const token = await activeToken(env, 1, userId);
    const a = await hold(token);
    await charge(userId, PRICE);
    const first = await pay(token, [a], 'pay-key-2');
    expect(first.statusCode).toBe(201);
    await env.queue.expireToken(env.tokens.verifyToken(token), 'leave');
    const replay = await pay(token, [a], 'pay-key-2');
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(first.body);
  });

  it('a replay with a later ACTIVE token answers from the store and leaves that token ACTIVE', async () => {
    const userId = 16;
    const first = await activeToken(env, 1, userId);
    const a = await hold(first);
    await charge(userId, PRICE);
    expect((await pay(first, [a], 'pay-key-later')).statusCode).toBe(201);
    // The user comes back through the queue, then retries the lost answer with the new token.
    const later = await activeToken(env, 1, userId);
    expect(later).not.toBe(first);
    expect((await pay(later, [a], 'pay-key-later')).statusCode).toBe(201);
    expect((await env.queue.readTokenState(env.tokens.verifyToken(later))).state).toBe('ACTIVE');
    expect(await countRows('payments', userId)).toBe(1);
  });

  it('treats keys that differ only in letter case as different keys', async () => {
    expect((await charge(15, 500, 'abcDEF')).json()).toEqual({ userId: 15, balance: 500 });
    expect((await charge(15, 500, 'ABCdef')).json()).toEqual({ userId: 15, balance: 1_000 });
    expect((await charge(15, 700, 'abcdef')).json()).toEqual({ userId: 15, balance: 1_700 });
    expect(await balanceAndLedger(env.prisma, 15)).toEqual({ balance: 1_700, ledger: 1_700 });
  });

  it('concurrent requests with one key pay once', async () => {
    const userId = 12;
    const token = await activeToken(env, 1, userId);
    const a = await hold(token);
    await charge(userId, 3 * PRICE);
    const results = await Promise.all(Array.from({ length: 10 }, () => pay(token, [a], 'pay-key-3')));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.json().paymentId)).size).toBe(1);
    expect(await balanceAndLedger(env.prisma, userId)).toEqual({ balance: 2 * PRICE, ledger: 2 * PRICE });
    expect(await countRows('payments', userId)).toBe(1);
  });

  it('a failed payment is not stored: the same key works once the balance suffices', async () => {
    const userId = 13;
    const token = await activeToken(env, 1, userId);
    const a = await hold(token);
    const short = await pay(token, [a], 'pay-key-4');
    expect(problemOf(short).code).toBe('INSUFFICIENT_BALANCE');
    await charge(userId, PRICE);
    const retry = await pay(token, [a], 'pay-key-4');
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toMatchObject({ amount: PRICE, balance: 0 });
  });

  it('pays all or nothing: one unpayable id leaves every other hold and the balance untouched', async () => {
    const userId = 14;
    const token = await activeToken(env, 1, userId);
    const a = await hold(token);
    const b = await hold(token);
    await charge(userId, 5 * PRICE);
    await env.prisma.reservation.update({ where: { id: b }, data: { status: 'EXPIRED' } });
    const res = await pay(token, [a, b]);
    expect(problemOf(res).code).toBe('RESERVATION_NOT_PAYABLE');
    expect(await reservationStatus(env.prisma, a)).toBe('PROGRESS');
    expect(await balanceAndLedger(env.prisma, userId)).toEqual({ balance: 5 * PRICE, ledger: 5 * PRICE });
    expect(await countRows('payments', userId)).toBe(0);
  });
});

describe('payment racing expiry', () => {
  it('ends paid or expired, never both', async () => {
    const raceApp = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '1',
      WORKERS_INLINE: 'true',
      HOLD_SWEEP_INTERVAL_MS: '200',
    });
    try {
      const users = Array.from({ length: 16 }, (_, i) => 30 + i);
      for (const u of users) await charge(u, 5 * PRICE);
      const outcomes = await Promise.all(
        users.map(async (userId, i) => {
          const token = await activeToken(env, 1, userId);
          const h = await raceApp.inject({
            method: 'POST',
            url: '/v1/reservations',
            headers: bearer(token),
            payload: { scheduleId: 2, seatId: seatId(2, i + 1) },
          });
          expect(h.statusCode).toBe(201);
          const { reservationId, expiresAt } = h.json() as { reservationId: number; expiresAt: string };
          // Pay from 40 ms before to 40 ms after expiresAt.
          const at = Date.parse(expiresAt) + (i - 8) * 5;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
          const p = await raceApp.inject({
            method: 'POST',
            url: '/v1/payments',
            headers: bearer(token),
            payload: { reservationIds: [reservationId] },
          });
          return {
            userId,
            reservationId,
            status: p.statusCode,
            code: p.statusCode === 201 ? null : problemOf(p).code,
          };
        }),
      );
      // Let the expiry jobs (and the sweep) finish.
      await waitFor(
        async () => {
          const [n] = await env.prisma.$queryRaw<{ n: bigint }[]>`
            SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id = 2 AND status = 'PROGRESS'`;
          return Number(n!.n) === 0;
        },
        10_000,
        'every raced hold to settle',
      );
      for (const o of outcomes) {
        const status = await reservationStatus(env.prisma, o.reservationId);
        const money = await balanceAndLedger(env.prisma, o.userId);
        expect(money.ledger).toBe(money.balance);
        if (o.status === 201) {
          expect(status).toBe('COMPLETED');
          expect(money.balance).toBe(4 * PRICE);
          expect(await countRows('payments', o.userId)).toBe(1);
        } else {
          expect(o.status).toBe(409);
          expect(o.code).toBe('RESERVATION_NOT_PAYABLE');
          expect(status).toBe('EXPIRED');
          expect(money.balance).toBe(5 * PRICE);
          expect(await countRows('payments', o.userId)).toBe(0);
        }
      }
    } finally {
      await raceApp.close();
    }
  });
});
