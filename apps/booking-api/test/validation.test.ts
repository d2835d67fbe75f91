import type { FastifyInstance, InjectOptions } from 'fastify';
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

// Every malformed request answers a 4xx problem+json, never a 5xx, and writes nothing.
let env: TestEnv;
let app: FastifyInstance;
let token: string;
let reservationId: number;

beforeAll(async () => {
  env = await createTestEnv('validation');
  await seedCatalog(env.prisma, { users: 5, concerts: [{ id: 1, schedules: [{ id: 1, seats: 5 }] }] });
  app = await buildTestApp(env, { MAX_HOLDS_PER_USER: '4', MAX_CHARGE_AMOUNT: '1000000' });
  token = await activeToken(env, 1, 1);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId: 1, seatId: seatId(1, 1) },
  });
  reservationId = res.json().reservationId;
  user1 = await userAuth(1);
  await app.inject({
    method: 'POST',
    url: '/v1/users/1/balance/charges',
    headers: user1,
    payload: { amount: 500 },
  });
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

async function counts() {
  const [row] = await env.prisma.$queryRaw<Record<string, bigint>[]>`
    SELECT (SELECT COUNT(*) FROM Reservation) AS reservations, (SELECT COUNT(*) FROM Payment) AS payments,
           (SELECT COUNT(*) FROM Balance_Ledger) AS ledger, (SELECT COUNT(*) FROM Idempotency_Key) AS idem,
           (SELECT SUM(\`value\`) FROM Balance) AS balances`;
  return row;
}

type Case = [name: string, request: InjectOptions, status?: number];

const json = (url: string, body: string, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

/** User 1's user token: a malformed request answers 400 even with valid credentials. */
let user1: { authorization: string };

function cases(): Case[] {
  const auth = bearer(token);
  const hold = (payload: unknown): InjectOptions => ({
    method: 'POST',
    url: '/v1/reservations',
    headers: auth,
    payload: payload as object,
  });
  const pay = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...auth, ...headers },
    payload: payload as object,
  });
  const charge = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url: '/v1/users/1/balance/charges',
    headers: { ...user1, ...headers },
    payload: payload as object,
  });
  return [
    // POST /v1/reservations
    ['hold: empty object', hold({})],
    ['hold: missing seatId', hold({ scheduleId: 1 })],
    ['hold: string id', hold({ scheduleId: '1', seatId: seatId(1, 2) })],
    ['hold: fractional id', hold({ scheduleId: 1.5, seatId: seatId(1, 2) })],
    ['hold: zero id', hold({ scheduleId: 0, seatId: seatId(1, 2) })],
    ['hold: negative id', hold({ scheduleId: -1, seatId: seatId(1, 2) })],
    ['hold: id past int32', hold({ scheduleId: 2147483648, seatId: seatId(1, 2) })],
    ['hold: boolean id', hold({ scheduleId: true, seatId: seatId(1, 2) })],
    ['hold: null id', hold({ scheduleId: null, seatId: seatId(1, 2) })],
    ['hold: unknown field', hold({ scheduleId: 1, seatId: seatId(1, 2), userId: 2 })],
    ['hold: array body', hold([1, 2])],
    ['hold: huge number', json('/v1/reservations', `{"scheduleId":1e400,"seatId":${seatId(1, 2)}}`, auth)],
    ['hold: 40-digit number', json('/v1/reservations', `{"scheduleId":${'9'.repeat(40)},"seatId":1}`, auth)],
    ['hold: broken JSON', json('/v1/reservations', '{"scheduleId":1,', auth)],
    ['hold: empty JSON body', json('/v1/reservations', '', auth)],
    ['hold: JSON null', json('/v1/reservations', 'null', auth)],
    ['hold: JSON string', json('/v1/reservations', '"hello"', auth)],
    [
      'hold: text body',
      {
        method: 'POST',
        url: '/v1/reservations',
        headers: { ...auth, 'content-type': 'text/plain' },
        body: 'scheduleId=1',
      },
    ],
    [
      'hold: form body',
      {
        method: 'POST',
        url: '/v1/reservations',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'scheduleId=1&seatId=1',
      },
    ],
    ['hold: no body', { method: 'POST', url: '/v1/reservations', headers: auth }],
    [
      'hold: proto pollution',
      json('/v1/reservations', `{"scheduleId":1,"seatId":${seatId(1, 2)},"__proto__":{"x":1}}`, auth),
    ],
    [
      'hold: oversized body',
      json('/v1/reservations', `{"scheduleId":1,"pad":"${'x'.repeat(70_000)}"}`, auth),
      413,
    ],
    // GET /v1/reservations/{id}
    ['read: word id', { method: 'GET', url: '/v1/reservations/abc', headers: auth }],
    ['read: zero id', { method: 'GET', url: '/v1/reservations/0', headers: auth }],
    ['read: leading zero', { method: 'GET', url: `/v1/reservations/0${reservationId}`, headers: auth }],
    ['read: fraction', { method: 'GET', url: `/v1/reservations/${reservationId}.0`, headers: auth }],
    ['read: exponent', { method: 'GET', url: '/v1/reservations/1e3', headers: auth }],
    ['read: sign', { method: 'GET', url: `/v1/reservations/+${reservationId}`, headers: auth }],
    ['read: past int32', { method: 'GET', url: '/v1/reservations/2147483648', headers: auth }],
    ['read: 30 digits', { method: 'GET', url: `/v1/reservations/${'1'.repeat(30)}`, headers: auth }],
    // GET /v1/concerts/{id}/schedules and /v1/schedules/{id}/seats
    ['schedules: word id', { method: 'GET', url: '/v1/concerts/one/schedules', headers: auth }],
    ['schedules: negative', { method: 'GET', url: '/v1/concerts/-1/schedules', headers: auth }],
    ['seats: hex id', { method: 'GET', url: '/v1/schedules/0x1/seats', headers: auth }],
    ['seats: space', { method: 'GET', url: '/v1/schedules/%201/seats', headers: auth }],
    // POST /v1/payments
    ['pay: empty list', pay({ reservationIds: [] })],
    ['pay: duplicates', pay({ reservationIds: [reservationId, reservationId] })],
    ['pay: too many', pay({ reservationIds: [1, 2, 3, 4, 5] })],
    ['pay: string ids', pay({ reservationIds: [String(reservationId)] })],
    ['pay: not a list', pay({ reservationIds: reservationId })],
    ['pay: missing list', pay({})],
    ['pay: unknown field', pay({ reservationIds: [reservationId], amount: 1 })],
    ['pay: user in body', pay({ reservationIds: [reservationId], userId: 2 })],
    ['pay: nested garbage', pay({ reservationIds: [{ id: reservationId }] })],
    ['pay: key too long', pay({ reservationIds: [reservationId] }, { 'idempotency-key': 'k'.repeat(65) })],
    ['pay: empty key', pay({ reservationIds: [reservationId] }, { 'idempotency-key': '' })],
    ['pay: non-ASCII key', pay({ reservationIds: [reservationId] }, { 'idempotency-key': 'ключ' })],
    ['pay: broken JSON', json('/v1/payments', '{"reservationIds":[1', bearer(token))],
    // GET /v1/users/{id}/balance and POST charges
    ['balance: word id', { method: 'GET', url: '/v1/users/me/balance', headers: user1 }],
    ['balance: past int32', { method: 'GET', url: '/v1/users/99999999999/balance', headers: user1 }],
    ['balance: word id, no token', { method: 'GET', url: '/v1/users/me/balance' }],
    ['charge: zero', charge({ amount: 0 })],
    ['charge: negative', charge({ amount: -100 })],
    ['charge: fraction', charge({ amount: 10.5 })],
    ['charge: string', charge({ amount: '100' })],
    ['charge: too large', charge({ amount: 1_000_001 })],
    ['charge: huge', json('/v1/users/1/balance/charges', '{"amount":1e308}', user1)],
    ['charge: beyond 2^53', json('/v1/users/1/balance/charges', '{"amount":90071992547409930}', user1)],
    ['charge: null', charge({ amount: null })],
    ['charge: missing', charge({})],
    ['charge: unknown field', charge({ amount: 100, currency: 'KRW' })],
    ['charge: key too long', charge({ amount: 100 }, { 'idempotency-key': 'x'.repeat(100) })],
    [
      'charge: bad path',
      { method: 'POST', url: '/v1/users/1.5/balance/charges', headers: user1, payload: { amount: 100 } },
    ],
    [
      'charge: text body',
      {
        method: 'POST',
        url: '/v1/users/1/balance/charges',
        headers: { ...user1, 'content-type': 'text/plain' },
        body: '100',
      },
    ],
    // Routes that do not exist
    ['unknown route', { method: 'GET', url: '/v1/nothing' }, 404],
    ['wrong method', { method: 'DELETE', url: '/v1/concerts' }, 404],
  ];
}

describe('malformed requests', () => {
  it('answer the right 4xx as problem+json, never 5xx, and write nothing', async () => {
    const before = await counts();
    for (const [name, request, expected = 400] of cases()) {
      const res = await app.inject(request);
      expect(res.statusCode, name).toBe(expected);
      const problem = problemOf(res);
      expect(problem.status, name).toBe(expected);
      expect(typeof problem.title, name).toBe('string');
      expect(typeof problem.detail, name).toBe('string');
      expect(typeof problem.type, name).toBe('string');
      if (expected === 400) {
        expect(problem.code, name).toBe('VALIDATION_ERROR');
        expect(Array.isArray(problem.errors), name).toBe(true);
        expect(problem.errors!.length, name).toBeGreaterThan(0);
      }
    }
    expect(await counts()).toEqual(before);
  });

  it('lists every offending field with a JSON pointer', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(token),
      payload: { reservationIds: [1, 'two', 0], extra: true },
    });
    const paths = problemOf(res)
      .errors!.map((e) => e.path)
      .sort();
    expect(paths).toEqual(['/extra', '/reservationIds/1', '/reservationIds/2']);
  });

  it('accepts a 64-character printable key', async () => {
    const key = '~'.repeat(32) + 'A-z 0_9!'.repeat(4);
    expect(key).toHaveLength(64);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/users/2/balance/charges',
      headers: { ...(await userAuth(2)), 'idempotency-key': key },
      payload: { amount: 1_000_000 },
    });
    expect(res.statusCode).toBe(200);
  });
});
