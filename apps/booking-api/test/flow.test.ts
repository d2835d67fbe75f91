import type { FastifyInstance } from 'fastify';
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

// The happy path through every endpoint, and the business rules each answers with.
let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv('flow');
  await seedCatalog(env.prisma, {
    users: 10,
    concerts: [
      {
        id: 1,
        schedules: [
          { id: 1, seats: 10, price: 150_000 },
          { id: 2, seats: 5 },
        ],
      },
      { id: 2, schedules: [{ id: 3, seats: 3 }] },
    ],
  });
  app = await buildTestApp(env, { MAX_HOLDS_PER_USER: '2' });
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

describe('booking flow', () => {
  it('lists concerts without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/concerts' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { concertId: 1, name: 'concert-1' },
      { concertId: 2, name: 'concert-2' },
    ]);
  });

  it('serves health', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
  });

  it('holds, lists, charges, pays and reads back', async () => {
    const token = await activeToken(env, 1, 1);

    const hold = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(token),
      payload: { scheduleId: 1, seatId: seatId(1, 1) },
    });
    expect(hold.statusCode).toBe(201);
    const held = hold.json();
    expect(held).toMatchObject({ scheduleId: 1, seatId: seatId(1, 1), price: 150_000, status: 'PROGRESS' });
    const ttlMs = Date.parse(held.expiresAt) - Date.now();
    expect(ttlMs).toBeGreaterThan(290_000);
    expect(ttlMs).toBeLessThanOrEqual(301_000);

    const schedules = await app.inject({
      method: 'GET',
      url: '/v1/concerts/1/schedules',
      headers: bearer(token),
    });
    expect(schedules.statusCode).toBe(200);
    expect(schedules.json()).toEqual([
      { scheduleId: 1, playDate: '2027-01-11', totalSeats: 10, availableSeats: 9 },
      { scheduleId: 2, playDate: '2027-01-12', totalSeats: 5, availableSeats: 5 },
    ]);

    const seats = await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) });
    expect(seats.statusCode).toBe(200);
    expect(seats.json()[0]).toEqual({ seatId: seatId(1, 1), seatNo: 'A1', price: 150_000, status: 'HELD' });
    expect(seats.json()[1].status).toBe('AVAILABLE');

    const poor = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(token),
      payload: { reservationIds: [held.reservationId] },
    });
    expect(poor.statusCode).toBe(409);
    expect(problemOf(poor).code).toBe('INSUFFICIENT_BALANCE');

    const charge = await app.inject({
      method: 'POST',
      url: '/v1/users/1/balance/charges',
      headers: await userAuth(1),
      payload: { amount: 200_000 },
    });
    expect(charge.statusCode).toBe(200);
    expect(charge.json()).toEqual({ userId: 1, balance: 200_000 });

    const pay = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(token),
      payload: { reservationIds: [held.reservationId] },
    });
    expect(pay.statusCode).toBe(201);
    expect(pay.json()).toMatchObject({
      reservationIds: [held.reservationId],
      amount: 150_000,
      balance: 50_000,
    });

    // The payment spent the token: it may still read what it paid for, and nothing else.
    const read = await app.inject({
      method: 'GET',
      url: `/v1/reservations/${held.reservationId}`,
      headers: bearer(token),
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ reservationId: held.reservationId, status: 'COMPLETED' });
    expect(typeof read.json().confirmedAt).toBe('string');
    const again = await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) });
    expect(problemOf(again).code).toBe('TOKEN_NOT_ACTIVE');

    const balance = await app.inject({
      method: 'GET',
      url: '/v1/users/1/balance',
      headers: await userAuth(1),
    });
    expect(balance.json()).toEqual({ userId: 1, balance: 50_000 });

    const fresh = await activeToken(env, 1, 2);
    const seatsNow = await app.inject({
      method: 'GET',
      url: '/v1/schedules/1/seats',
      headers: bearer(fresh),
    });
    expect(seatsNow.json()[0].status).toBe('SOLD');
  });

  it('refuses a held seat, a hold past the limit, and unknown things', async () => {
    const t3 = await activeToken(env, 1, 3);
    const t4 = await activeToken(env, 1, 4);
    const hold = (token: string, scheduleId: number, seat: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/reservations',
        headers: bearer(token),
        payload: { scheduleId, seatId: seat },
      });

    expect((await hold(t3, 1, seatId(1, 5))).statusCode).toBe(201);
    const taken = await hold(t4, 1, seatId(1, 5));
    expect(taken.statusCode).toBe(409);
    expect(problemOf(taken).code).toBe('SEAT_UNAVAILABLE');

    expect((await hold(t3, 1, seatId(1, 6))).statusCode).toBe(201);
    const limit = await hold(t3, 1, seatId(1, 7));
    expect(limit.statusCode).toBe(409);
    expect(problemOf(limit).code).toBe('HOLD_LIMIT_REACHED');
    // The limit is per schedule.
    expect((await hold(t3, 2, seatId(2, 1))).statusCode).toBe(201);

    expect(problemOf(await hold(t4, 1, seatId(2, 2))).code).toBe('SEAT_NOT_FOUND');
    expect(problemOf(await hold(t4, 99, seatId(1, 2))).code).toBe('SEAT_NOT_FOUND');
    // Another concert's schedule exists: 403 before 404.
    expect(problemOf(await hold(t4, 3, seatId(3, 1))).code).toBe('TOKEN_NOT_ACTIVE');
    expect(problemOf(await hold(t4, 3, seatId(3, 99))).status).toBe(403);

    // v2: a user the API never saw is provisioned by their first valid token, and may hold.
    const newcomer = await activeToken(env, 1, 4243);
    const newcomerHold = await hold(newcomer, 1, seatId(1, 8));
    expect(newcomerHold.statusCode).toBe(201);
    expect(await env.prisma.user.findUnique({ where: { id: 4243 }, select: { name: true } })).toEqual({
      name: 'user 4243',
    });
    expect(await env.prisma.balance.count({ where: { userId: 4243 } })).toBe(1);

    const noConcert = await app.inject({
      method: 'GET',
      url: '/v1/concerts/77/schedules',
      headers: bearer(t4),
    });
    expect(problemOf(noConcert).code).toBe('CONCERT_NOT_FOUND');
    const otherConcert = await app.inject({
      method: 'GET',
      url: '/v1/concerts/2/schedules',
      headers: bearer(t4),
    });
    expect(problemOf(otherConcert).code).toBe('TOKEN_NOT_ACTIVE');
    const noSchedule = await app.inject({
      method: 'GET',
      url: '/v1/schedules/77/seats',
      headers: bearer(t4),
    });
    expect(problemOf(noSchedule).code).toBe('SCHEDULE_NOT_FOUND');
    const otherSchedule = await app.inject({
      method: 'GET',
      url: '/v1/schedules/3/seats',
      headers: bearer(t4),
    });
    expect(problemOf(otherSchedule).code).toBe('TOKEN_NOT_ACTIVE');
    // v2: a user the API has never seen is provisioned by their first valid token, with a zero balance.
    const newUser = await app.inject({
      method: 'GET',
      url: '/v1/users/4242/balance',
      headers: await userAuth(4242),
    });
    expect(newUser.json()).toEqual({ userId: 4242, balance: 0 });
    const newUserCharge = await app.inject({
      method: 'POST',
      url: '/v1/users/4242/balance/charges',
      headers: await userAuth(4242),
      payload: { amount: 1 },
    });
    expect(newUserCharge.json()).toEqual({ userId: 4242, balance: 1 });
  });

  it("hides other users' reservations and refuses to pay them", async () => {
    const t5 = await activeToken(env, 1, 5);
    const t6 = await activeToken(env, 1, 6);
    const hold = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(t5),
      payload: { scheduleId: 1, seatId: seatId(1, 9) },
    });
    const id = hold.json().reservationId as number;
    const read = await app.inject({ method: 'GET', url: `/v1/reservations/${id}`, headers: bearer(t6) });
    expect(problemOf(read).code).toBe('RESERVATION_NOT_FOUND');
    const missing = await app.inject({ method: 'GET', url: '/v1/reservations/999999', headers: bearer(t6) });
    expect(problemOf(missing).code).toBe('RESERVATION_NOT_FOUND');
    const pay = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(t6),
      payload: { reservationIds: [id] },
    });
    expect(problemOf(pay).code).toBe('RESERVATION_NOT_FOUND');
    const own = await app.inject({ method: 'GET', url: `/v1/reservations/${id}`, headers: bearer(t5) });
    expect(own.json()).toMatchObject({ reservationId: id, status: 'PROGRESS' });
    expect(own.json().confirmedAt).toBeUndefined();
  });
});
