import type { AddressInfo } from 'node:net';
import { badUserTokens, TEST_AUTH_SECRET, testUserToken } from '@concert/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeToken,
  balanceAndLedger,
  bearer,
  buildTestApp,
  createTestEnv,
  problemOf,
  seatId,
  seedCatalog,
  type TestEnv,
  userAuth,
} from './helpers.ts';

let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv('identity');
  // Users 1..3 exist already; everyone else is new to the API.
  await seedCatalog(env.prisma, { users: 3, concerts: [{ id: 1, schedules: [{ id: 1, seats: 10 }] }] });
  app = await buildTestApp(env, { AUTH_DEV_LOGIN: 'true' });
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

async function rowsOf(userId: number) {
  const [row] = await env.prisma.$queryRaw<
    { users: bigint; balances: bigint; ledger: bigint; keys: bigint }[]
  >`
    SELECT (SELECT COUNT(*) FROM \`User\` WHERE user_id = ${userId}) AS users,
           (SELECT COUNT(*) FROM Balance WHERE user_id = ${userId}) AS balances,
           (SELECT COUNT(*) FROM Balance_Ledger WHERE user_id = ${userId}) AS ledger,
           (SELECT COUNT(*) FROM Idempotency_Key WHERE user_id = ${userId}) AS \`keys\``;
  return {
    users: Number(row!.users),
    balances: Number(row!.balances),
    ledger: Number(row!.ledger),
    keys: Number(row!.keys),
  };
}

const balanceOf = (userId: number, authorization: string | undefined) =>
  app.inject({
    method: 'GET',
    url: `/v1/users/${userId}/balance`,
    headers: authorization ? { authorization } : {},
  });

const chargeOf = (userId: number, authorization: string | undefined, amount: number, key?: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/users/${userId}/balance/charges`,
    headers: { ...(authorization ? { authorization } : {}), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { amount },
  });

describe('user tokens on the balance endpoints', () => {
  it('answer every kind of bad user token with 401 AUTH_INVALID, and write nothing', async () => {
    // User 5 is new: a bad token must not provision, charge or store anything for them.
    const queueToken = await activeToken(env, 1, 5);
    const cases = await badUserTokens({ secret: TEST_AUTH_SECRET, queueToken });
    expect(cases.length).toBeGreaterThanOrEqual(18);
    for (const [name, header] of cases) {
      for (const res of [await balanceOf(5, header), await chargeOf(5, header, 10_000_000, `k-${name}`)]) {
        expect(res.statusCode, name).toBe(401);
        expect(problemOf(res).code, name).toBe('AUTH_INVALID');
      }
    }
    expect(await rowsOf(5)).toEqual({ users: 0, balances: 0, ledger: 0, keys: 0 });
  });

  it('refuse another user’s token with 403 FORBIDDEN; the balance does not change', async () => {
    const owner = await userAuth(2);
    expect((await chargeOf(2, owner.authorization, 7_000)).json()).toEqual({ userId: 2, balance: 7_000 });
    const thief = (await userAuth(6)).authorization;
    const read = await balanceOf(2, thief);
    expect(read.statusCode).toBe(403);
    expect(problemOf(read).code).toBe('FORBIDDEN');
    const steal = await chargeOf(2, thief, 10_000_000, 'free-money');
    expect(steal.statusCode).toBe(403);
    expect(problemOf(steal).code).toBe('FORBIDDEN');
    expect(await balanceAndLedger(env.prisma, 2)).toEqual({ balance: 7_000, ledger: 7_000 });
    expect(await rowsOf(2)).toMatchObject({ ledger: 1, keys: 0 });
    // The thief acted on nobody: not even their own rows were written.
    expect(await rowsOf(6)).toEqual({ users: 0, balances: 0, ledger: 0, keys: 0 });
  });

  it('provision a new user once, with their name, however many first requests race', async () => {
    const token = await testUserToken(500, { name: 'Ada Lovelace' });
    const second = await buildTestApp(env);
    try {
      await second.listen({ port: 0, host: '127.0.0.1' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const urls = [app, second].map((a) => `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`);
      // 50 first requests at once over real sockets, on two instances: reads and charges mixed.
      const responses = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const base = urls[i % 2]!;
          const res =
            i % 5 === 0
              ? await fetch(`${base}/v1/users/500/balance/charges`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ amount: 100 }),
                })
              : await fetch(`${base}/v1/users/500/balance`, {
                  headers: { authorization: `Bearer ${token}` },
                });
          return res.status;
        }),
      );
      expect(responses).toEqual(Array(50).fill(200));
      expect(await rowsOf(500)).toMatchObject({ users: 1, balances: 1, ledger: 10 });
      expect(await env.prisma.user.findUnique({ where: { id: 500 }, select: { name: true } })).toEqual({
        name: 'Ada Lovelace',
      });
      expect(await balanceAndLedger(env.prisma, 500)).toEqual({ balance: 1_000, ledger: 1_000 });
    } finally {
      await second.close();
    }
  });

  it('provision a queue token’s user on first sight, so that a brand-new user can hold and pay', async () => {
    const queueToken = await activeToken(env, 1, 700);
    const hold = await app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: bearer(queueToken),
      payload: { scheduleId: 1, seatId: seatId(1, 3) },
    });
    expect(hold.statusCode).toBe(201);
    expect(await rowsOf(700)).toMatchObject({ users: 1, balances: 1 });
    await chargeOf(700, (await userAuth(700)).authorization, 10_000);
    const pay = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: bearer(queueToken),
      payload: { reservationIds: [hold.json().reservationId] },
    });
    expect(pay.statusCode).toBe(201);
    expect(await balanceAndLedger(env.prisma, 700)).toEqual({ balance: 0, ledger: 0 });
  });
});

describe('development login', () => {
  it('signs a 12-hour user token that the API accepts', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/dev/login', payload: { userId: 42 } });
    expect(res.statusCode).toBe(200);
    const { userToken, expiresAt } = res.json() as { userToken: string; expiresAt: string };
    const hours = (Date.parse(expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    expect((await balanceOf(42, `Bearer ${userToken}`)).json()).toEqual({ userId: 42, balance: 0 });
  });

  it('refuses malformed bodies with 400', async () => {
    for (const payload of [
      {},
      { userId: 0 },
      { userId: '5' },
      { userId: 5, admin: true },
      { userId: 2147483648 },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/dev/login', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).code).toBe('VALIDATION_ERROR');
    }
  });

  it('does not exist without AUTH_DEV_LOGIN=true', async () => {
    const plain = await buildTestApp(env);
    try {
      const res = await plain.inject({ method: 'POST', url: '/v1/dev/login', payload: { userId: 42 } });
      expect(res.statusCode).toBe(404);
      expect(problemOf(res).code).toBe('NOT_FOUND');
    } finally {
      await plain.close();
    }
  });
});
