import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeTokens,
  bearer,
  buildTestApp,
  createTestEnv,
  reservationStatus,
  seatId,
  seedCatalog,
  type TestEnv,
  waitFor,
} from './helpers.ts';

let env: TestEnv;
let app: FastifyInstance;
let tokens: Map<number, string>;

beforeAll(async () => {
  env = await createTestEnv('metrics');
  await seedCatalog(env.prisma, {
    users: 6,
    concerts: [{ id: 1, schedules: [{ id: 1, seats: 10, price: 30_000 }] }],
  });
  app = await buildTestApp(env, {
    HOLD_TTL_SECONDS: '1',
    WORKERS_INLINE: 'true',
    HOLD_SWEEP_INTERVAL_MS: '300',
  });
  tokens = await activeTokens(env, 1, [1, 2, 3, 4, 5, 6]);
});
afterAll(async () => {
  await app?.close();
  await env?.close();
});

const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};
const hold = (userId: number, n: number) =>
  app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(tokens.get(userId)!),
    payload: { scheduleId: 1, seatId: seatId(1, n) },
  });

describe('booking metrics', () => {
  it('counts holds and payments by outcome', async () => {
    expect((await hold(1, 1)).statusCode).toBe(201);
    expect((await hold(2, 1)).statusCode).toBe(409); // SEAT_UNAVAILABLE
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/reservations',
          headers: bearer(tokens.get(2)!),
          payload: { scheduleId: 1, seatId: 'x' },
        })
      ).statusCode,
    ).toBe(400);
    const pay = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(tokens.get(1)!),
      payload: { reservationIds: [(await hold(1, 2)).json().reservationId] },
    });
    expect(pay.json().code).toBe('INSUFFICIENT_BALANCE');

    const text = await scrape();
    expect(value(text, 'booking_holds_total{outcome="held"}')).toBe(2);
    expect(value(text, 'booking_holds_total{outcome="seat_unavailable"}')).toBe(1);
    expect(value(text, 'booking_holds_total{outcome="validation_error"}')).toBe(1);
    expect(value(text, 'booking_payments_total{outcome="insufficient_balance"}')).toBe(1);
    expect(value(text, 'booking_payments_total{outcome="paid"}')).toBe(0);
    expect(
      value(
        text,
        'http_request_duration_seconds_count{method="POST",route="/v1/reservations",status_code="409"}',
      ),
    ).toBe(1);
  });

  it('measures how late each released hold was, through its bucket job and through the sweep', async () => {
    const before = value(await scrape(), 'booking_hold_release_lateness_seconds_count');
    const first = (await hold(3, 5)).json().reservationId as number;
    const second = (await hold(4, 6)).json().reservationId as number;
    for (const id of [first, second]) {
      await waitFor(
        async () => (await reservationStatus(env.prisma, id)) === 'EXPIRED',
        15_000,
        `hold ${id}`,
      );
    }
    // Every released hold is observed once: the two just released and the two of the first test (their
    // holds lapsed too). A release is observed a round trip after its UPDATE, hence the wait.
    const observed = async () => value(await scrape(), 'booking_hold_release_lateness_seconds_count');
    const expiredInMysql = () => env.prisma.reservation.count({ where: { status: 'EXPIRED' } });
    await waitFor(
      async () => (await expiredInMysql()) === 4 && (await observed()) === 4,
      10_000,
      'four releases',
    );
    expect(before).toBeLessThanOrEqual(2);
    // Later sweeps and jobs find nothing more to release, and count nothing twice.
    await new Promise((r) => setTimeout(r, 1000));
    const text = await scrape();
    const count = value(text, 'booking_hold_release_lateness_seconds_count');
    expect(count).toBe(4);
    expect(value(text, 'booking_hold_release_lateness_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'booking_hold_release_lateness_seconds_bucket{le="+Inf"}')).toBe(count);
  });
});
