import { createHmac } from 'node:crypto';
import { createTokenCodec } from '@concert/queue-core';
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
  TEST_SECRET,
  type TestEnv,
  userAuth,
  WIDE_ROOM,
} from './helpers.ts';

/** A JWT signed with the right key around claims of our choosing. */
function signHs256(claims: object, key: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

// The token gate: a well-signed token that is not ACTIVE, or is another concert's, is 403; anything
// not well signed is 401; and the contract's precedence holds (400, 401, 403, 404, then 409/422).
let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv('tokens');
  await seedCatalog(env.prisma, {
    users: 20,
    concerts: [
      { id: 1, schedules: [{ id: 1, seats: 10 }] },
      { id: 2, schedules: [{ id: 2, seats: 10 }] },
      { id: 3, schedules: [{ id: 3, seats: 10 }] },
    ],
  });
  app = await buildTestApp(env);
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

/** Every token endpoint, aimed at concert 1's resources. */
function tokenRequests(reservationId: number) {
  return [
    { method: 'GET' as const, url: '/v1/concerts/1/schedules' },
    { method: 'GET' as const, url: '/v1/schedules/1/seats' },
    { method: 'POST' as const, url: '/v1/reservations', payload: { scheduleId: 1, seatId: seatId(1, 9) } },
    { method: 'GET' as const, url: `/v1/reservations/${reservationId}` },
    { method: 'POST' as const, url: '/v1/payments', payload: { reservationIds: [reservationId] } },
  ];
}

let ownReservation = 0;
beforeAll(async () => {
  const token = await activeToken(env, 1, 1);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId: 1, seatId: seatId(1, 1) },
  });
  ownReservation = res.json().reservationId;
});

async function expectEvery(token: string | null, status: number, code: string) {
  for (const req of tokenRequests(ownReservation)) {
    const res = await app.inject({ ...req, headers: token === null ? {} : { authorization: token } });
    expect(res.statusCode, `${req.method} ${req.url}`).toBe(status);
    expect(problemOf(res).code).toBe(code);
  }
}

describe('token gate', () => {
  it('refuses a WAITING token with 403', async () => {
    // Concert 3's room is never promoted in this file.
    await env.queue.openRoom(3, WIDE_ROOM, WIDE_ROOM);
    const joined = await env.queue.joinRoom(3, 1);
    if (joined.outcome !== 'JOINED') throw new Error(joined.outcome);
    expect(joined.status.status).toBe('WAITING');
    const waiting = env.tokens.signToken({ userId: 1, concertId: 3, tokenId: joined.tokenId });
    const res = await app.inject({ method: 'GET', url: '/v1/schedules/3/seats', headers: bearer(waiting) });
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).code).toBe('TOKEN_NOT_ACTIVE');
    const hold = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(waiting),
      payload: { scheduleId: 3, seatId: seatId(3, 1) },
    });
    expect(problemOf(hold).code).toBe('TOKEN_NOT_ACTIVE');
  });

  it('refuses an EXPIRED token with 403 on every token endpoint', async () => {
    const token = await activeToken(env, 1, 1);
    await env.queue.expireToken(env.tokens.verifyToken(token), 'leave');
    await expectEvery(`Bearer ${token}`, 403, 'TOKEN_NOT_ACTIVE');
  });

  it('refuses a token whose ACTIVE time ran out, and an older token of a user who re-joined', async () => {
    await env.queue.openRoom(2, { ...WIDE_ROOM, activeTtlSeconds: 1 }, WIDE_ROOM);
    const joined = await env.queue.joinRoom(2, 5);
    if (joined.outcome !== 'JOINED') throw new Error(joined.outcome);
    await env.queue.promoteRoom(2, 1000);
    const token = env.tokens.signToken({ userId: 5, concertId: 2, tokenId: joined.tokenId });
    const ok = await app.inject({ method: 'GET', url: '/v1/schedules/2/seats', headers: bearer(token) });
    expect(ok.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const late = await app.inject({ method: 'GET', url: '/v1/schedules/2/seats', headers: bearer(token) });
    expect(problemOf(late).code).toBe('TOKEN_NOT_ACTIVE');
    await env.queue.openRoom(2, WIDE_ROOM, WIDE_ROOM);

    const old = env.tokens.signToken({ userId: 5, concertId: 2, tokenId: joined.tokenId });
    await activeToken(env, 2, 5);
    const stale = await app.inject({ method: 'GET', url: '/v1/schedules/2/seats', headers: bearer(old) });
    expect(problemOf(stale).code).toBe('TOKEN_NOT_ACTIVE');
  });

  it("refuses another concert's token with 403 where the resource exists, 404 where it does not", async () => {
    const other = await activeToken(env, 2, 1);
    await expectEvery(`Bearer ${other}`, 403, 'TOKEN_NOT_ACTIVE');
    const unknownConcert = await app.inject({
      method: 'GET',
      url: '/v1/concerts/99/schedules',
      headers: bearer(other),
    });
    expect(problemOf(unknownConcert).code).toBe('CONCERT_NOT_FOUND');
    const unknownSchedule = await app.inject({
      method: 'GET',
      url: '/v1/schedules/99/seats',
      headers: bearer(other),
    });
    expect(problemOf(unknownSchedule).code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('refuses forged, malformed and missing tokens with 401', async () => {
    const forged = createTokenCodec('another-secret-that-is-32-characters-long').signToken({
      userId: 1,
      concertId: 1,
      tokenId: 1,
    });
    await expectEvery(`Bearer ${forged}`, 401, 'TOKEN_INVALID');
    const real = await activeToken(env, 1, 2);
    const [h, p] = real.split('.');
    await expectEvery(`Bearer ${h}.${p}.${'A'.repeat(43)}`, 401, 'TOKEN_INVALID');
    await expectEvery('Bearer not-a-token', 401, 'TOKEN_INVALID');
    await expectEvery('Bearer ', 401, 'TOKEN_INVALID');
    await expectEvery(`Basic ${real}`, 401, 'TOKEN_INVALID');
    await expectEvery(`Bearer ${real}\u00e9`, 401, 'TOKEN_INVALID');
    await expectEvery(`Bearer ${'x'.repeat(5000)}`, 401, 'TOKEN_INVALID');
    await expectEvery(null, 401, 'TOKEN_INVALID');
    // Well signed, but claims that are not ids.
    const sign = (claims: object) => signHs256(claims, TEST_SECRET);
    await expectEvery(`Bearer ${sign({ sub: 'abc', cid: 1, tid: 1 })}`, 401, 'TOKEN_INVALID');
    await expectEvery(`Bearer ${sign({ sub: '1', cid: 0, tid: 1 })}`, 401, 'TOKEN_INVALID');
    // The same helper with good claims is accepted, so the refusals above are about the claims.
    expect(sign({ sub: '2', cid: 1, tid: env.tokens.verifyToken(real).tokenId })).toBe(real);
  });

  it('lets a token spent on a payment read its reservations, and only those of its concert', async () => {
    const token = await activeToken(env, 1, 7);
    const held = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(token),
      payload: { scheduleId: 1, seatId: seatId(1, 7) },
    });
    const id = held.json().reservationId as number;
    await app.inject({
      method: 'POST',
      url: '/v1/users/7/balance/charges',
      headers: await userAuth(7),
      payload: { amount: 10_000 },
    });
    const paid = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(token),
      payload: { reservationIds: [id] },
    });
    expect(paid.statusCode).toBe(201);
    expect((await env.queue.readTokenState(env.tokens.verifyToken(token))).state).toBe('PAID');
    const read = await app.inject({ method: 'GET', url: `/v1/reservations/${id}`, headers: bearer(token) });
    expect(read.statusCode).toBe(200);
    expect(read.json().status).toBe('COMPLETED');
    // A reservation of the same user in another concert: it exists, so 403.
    const other = await activeToken(env, 2, 7);
    const otherHold = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(other),
      payload: { scheduleId: 2, seatId: seatId(2, 7) },
    });
    const cross = await app.inject({
      method: 'GET',
      url: `/v1/reservations/${otherHold.json().reservationId}`,
      headers: bearer(token),
    });
    expect(problemOf(cross).code).toBe('TOKEN_NOT_ACTIVE');
    // A payment with the other concert's token for this concert's reservation.
    const crossPay = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(other),
      payload: { reservationIds: [id] },
    });
    expect(problemOf(crossPay).code).toBe('TOKEN_NOT_ACTIVE');
  });

  it('keeps the precedence: 400 before 401, 401 before 404, 403 before 404', async () => {
    const badBody = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: { authorization: 'Bearer garbage' },
      payload: { scheduleId: 'one' },
    });
    expect(problemOf(badBody).code).toBe('VALIDATION_ERROR');
    const badPath = await app.inject({ method: 'GET', url: '/v1/schedules/zero/seats' });
    expect(problemOf(badPath).code).toBe('VALIDATION_ERROR');
    const unknownButUnauthenticated = await app.inject({ method: 'GET', url: '/v1/schedules/99/seats' });
    expect(problemOf(unknownButUnauthenticated).code).toBe('TOKEN_INVALID');
    const expired = await activeToken(env, 1, 9);
    await env.queue.expireToken(env.tokens.verifyToken(expired), 'leave');
    const unknownButExpired = await app.inject({
      method: 'GET',
      url: '/v1/schedules/99/seats',
      headers: bearer(expired),
    });
    expect(problemOf(unknownButExpired).code).toBe('TOKEN_NOT_ACTIVE');
  });
});

describe('rate limit', () => {
  it('limits per token user, else per address, with Retry-After; health is exempt', async () => {
    const limited = await buildTestApp(env, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      const a = await activeToken(env, 1, 11);
      const b = await activeToken(env, 1, 12);
      const seats = (token: string) =>
        limited.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) });
      for (let i = 0; i < 3; i++) expect((await seats(a)).statusCode).toBe(200);
      const over = await seats(a);
      expect(over.statusCode).toBe(429);
      expect(problemOf(over).code).toBe('RATE_LIMITED');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await seats(b)).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await limited.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
        expect((await limited.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      }
      for (let i = 0; i < 3; i++) await limited.inject({ method: 'GET', url: '/v1/concerts' });
      expect((await limited.inject({ method: 'GET', url: '/v1/concerts' })).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
