import { startTcpProxy, type TcpProxy } from '@concert/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeTokens,
  balanceAndLedger,
  bearer,
  buildTestApp,
  createTestEnv,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
  waitFor,
} from './helpers.ts';

// MySQL vanishing mid-sale, as a restart looks to the API: every connection reset at once and new ones
// refused for a while, then the server back. The API goes through a TCP proxy that the test cuts, so
// the shared MariaDB keeps running. While it is gone the API answers 503 with Retry-After (never a
// 500); when it is back everything resumes without a restart; and whatever was in flight is done or
// not done, never half: checked in MySQL directly, not through the proxy.
const USERS = 40;
const START_BALANCE = 100_000;
const PRICE = 10_000;
let env: TestEnv;
let proxy: TcpProxy;
let app: FastifyInstance;
let tokens: Map<number, string>;

beforeAll(async () => {
  env = await createTestEnv('mysql_outage');
  await seedCatalog(env.prisma, {
    users: USERS,
    concerts: [{ id: 1, schedules: [{ id: 1, seats: USERS, price: PRICE }] }],
  });
  const target = new URL(env.db.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
  const viaProxy = new URL(env.db.url);
  viaProxy.port = String(proxy.port);
  app = await buildTestApp(env, {
    DATABASE_URL: viaProxy.toString(),
    DATABASE_ACQUIRE_TIMEOUT_MS: '500',
    WORKERS_INLINE: 'true',
    HOLD_TTL_SECONDS: '300',
  });
  const ids = Array.from({ length: USERS }, (_, i) => i + 1);
  tokens = await activeTokens(env, 1, ids);
  for (const u of ids) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/users/${u}/balance/charges`,
      headers: await userAuth(u),
      payload: { amount: START_BALANCE },
    });
    expect(res.statusCode).toBe(200);
  }
});

afterAll(async () => {
  await app?.close();
  await proxy?.close();
  await env?.close();
});

interface Answer {
  statusCode: number;
  retryAfter: string | undefined;
}

const answers: Answer[] = [];
const record = <R extends { statusCode: number; headers: Record<string, unknown> }>(res: R): R => {
  answers.push({ statusCode: res.statusCode, retryAfter: res.headers['retry-after'] as string | undefined });
  return res;
};

/** User u holds seat u and pays for it with the key `pay-u`: each step may meet the outage. */
async function buy(u: number): Promise<void> {
  const hold = record(
    await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(tokens.get(u)!),
      payload: { scheduleId: 1, seatId: seatId(1, u) },
    }),
  );
  const reservationId =
    hold.statusCode === 201
      ? (hold.json().reservationId as number)
      : (await env.prisma.reservation.findFirst({ where: { userId: u, status: 'PROGRESS' } }))?.id;
  if (reservationId === undefined) return;
  record(
    await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...bearer(tokens.get(u)!), 'idempotency-key': `pay-${u}` },
      payload: { reservationIds: [reservationId] },
    }),
  );
}

describe('MySQL gone mid-sale', () => {
  it('answers 503 with Retry-After while it is gone, resumes when it is back, and leaves nothing half done', async () => {
    for (let u = 1; u <= 10; u++) await buy(u);
    expect(answers.every((a) => a.statusCode === 201)).toBe(true);

    // Twenty buyers at once; MySQL goes away while their requests are in flight.
    const inFlight = Promise.all(Array.from({ length: 20 }, (_, i) => buy(11 + i)));
    await new Promise((r) => setTimeout(r, 15));
    await proxy.cut();
    await inFlight;
    const during = record(
      await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(tokens.get(31)!) }),
    );
    const duringHold = record(
      await app.inject({
        method: 'POST',
        url: '/v1/reservations',
        headers: bearer(tokens.get(32)!),
        payload: { scheduleId: 1, seatId: seatId(1, 32) },
      }),
    );
    // Fans keep joining the waiting room (Redis only) while the journal cannot write.
    const lateJoins = [];
    for (let u = 41; u <= 60; u++) lateJoins.push(await env.queue.joinRoom(1, u));
    // Long enough for the journal (every 50 ms here) to read them and fail to write them.
    await new Promise((r) => setTimeout(r, 400));
    for (const res of [during, duringHold]) {
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }

    await proxy.restore();
    // Back without a restart of the API: the same requests succeed again.
    await waitFor(
      async () =>
        (await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(tokens.get(31)!) }))
          .statusCode === 200,
      10_000,
      'the API to reach MySQL again',
    );
    // Everyone whose purchase met the outage tries again, with the same Idempotency-Key; the rest buy.
    for (let u = 11; u <= USERS; u++) await buy(u);

    // No answer was a 5xx other than 503, and every 503 said when to retry.
    console.log(
      `mysql outage: ${answers.filter((a) => a.statusCode === 503).length} answers were 503 of ${answers.length}`,
    );
    expect(answers.filter((a) => a.statusCode >= 500 && a.statusCode !== 503)).toEqual([]);
    expect(answers.filter((a) => a.statusCode === 503 && !(Number(a.retryAfter) > 0))).toEqual([]);

    // In MySQL itself: every user ended with one paid seat, one payment, and the money agrees.
    const live = await env.prisma.$queryRaw<{ seatId: number; n: bigint }[]>`
      SELECT seat_id AS seatId, COUNT(*) AS n FROM Reservation
       WHERE status IN ('PROGRESS', 'COMPLETED') GROUP BY seat_id HAVING COUNT(*) > 1`;
    expect(live).toEqual([]);
    for (let u = 1; u <= USERS; u++) {
      const payments = await env.prisma.payment.findMany({ where: { userId: u } });
      expect(payments).toHaveLength(1);
      const paid = await env.prisma.reservation.findMany({ where: { userId: u, status: 'COMPLETED' } });
      expect(paid.map((r) => [r.seatId, r.paymentId])).toEqual([[seatId(1, u), payments[0]!.id]]);
      expect(Number(payments[0]!.amount)).toBe(PRICE);
      const { balance, ledger } = await balanceAndLedger(env.prisma, u);
      expect(balance).toBe(START_BALANCE - PRICE);
      expect(ledger).toBe(balance);
    }
    expect(await env.prisma.reservation.count({ where: { status: 'COMPLETED', paymentId: null } })).toBe(0);

    // The journal caught up: every join made during the outage is in MySQL, with its place in line.
    const seqs = lateJoins.map((j) => ('tokenId' in j ? Number(j.tokenId) : Number.NaN));
    await waitFor(
      async () => (await env.prisma.queue.count({ where: { concertId: 1, userId: { gte: 41 } } })) === 20,
      10_000,
      'the journal to record the joins made during the outage',
    );
    const rows = await env.prisma.queue.findMany({
      where: { concertId: 1, userId: { gte: 41 } },
      orderBy: { tokenSeq: 'asc' },
    });
    expect(rows.map((r) => r.userId)).toEqual(Array.from({ length: 20 }, (_, i) => 41 + i));
    expect(rows.map((r) => Number(r.tokenSeq))).toEqual(seqs);
  });
});
