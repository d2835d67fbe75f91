import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createGatewayWorld, type GatewayApp, join, openRoom, userToken } from './helpers.ts';

type Case = [name: string, payload: string, contentType?: string];

const JOIN_BODIES: Case[] = [
  ['missing fields', '{}'],
  ['a userId in the body (v1)', '{"userId":1,"concertId":51}'],
  ['only a userId', '{"userId":1}'],
  ['unknown field', '{"concertId":51,"vip":true}'],
  ['string id', '{"concertId":"51"}'],
  ['boolean id', '{"concertId":true}'],
  ['fractional id', '{"concertId":51.5}'],
  ['zero id', '{"concertId":0}'],
  ['negative id', '{"concertId":-3}'],
  ['id past 2^31-1', '{"concertId":2147483648}'],
  ['huge number', '{"concertId":1e308}'],
  ['null', 'null'],
  ['array', '[1,2]'],
  ['string body', '"hello"'],
  ['broken JSON', '{"concertId":'],
  ['empty JSON body', ''],
  ['not JSON', 'concertId=51', 'application/x-www-form-urlencoded'],
  ['plain text', 'hello', 'text/plain'],
];

describe('malformed requests get a 4xx problem, never a 5xx, and change nothing', () => {
  const world = createGatewayWorld('bad-input');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
    await openRoom(app, 51);
  });
  afterAll(async () => w.close());

  const expectProblem = (
    res: {
      statusCode: number;
      headers: Record<string, unknown>;
      json(): Record<string, unknown> & { errors?: { path: string }[] };
    },
    status: number,
    code: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    return body;
  };

  it.each(JOIN_BODIES)(
    'POST /v1/queue/tokens with %s → 400, with or without a user token',
    async (_n, payload, contentType = 'application/json') => {
      for (const authorization of [`Bearer ${await userToken(1)}`, undefined]) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/queue/tokens',
          payload,
          headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
        });
        // A malformed request is 400 before any token is looked at (the contract's precedence).
        const body = expectProblem(res, 400, 'VALIDATION_ERROR');
        expect(Array.isArray(body.errors)).toBe(true);
      }
    },
  );

  it('lists every offending field as a JSON pointer', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/queue/tokens',
      headers: { authorization: `Bearer ${await userToken(1)}` },
      payload: { userId: 'x', concertId: -1, extra: 1 },
    });
    const paths = (expectProblem(res, 400, 'VALIDATION_ERROR').errors ?? [])
      .map((e: { path: string }) => e.path)
      .sort();
    expect(paths).toEqual(['/concertId', '/extra', '/userId']);
  });

  it('wrote nothing for any malformed join', async () => {
    expect((await app.queue.readRoomStats(51))!.waiting).toBe(0);
  });

  it('answers 404 QUEUE_NOT_FOUND for a room that is not open', async () => {
    expectProblem(
      await app.inject({
        method: 'POST',
        url: '/v1/queue/tokens',
        headers: { authorization: `Bearer ${await userToken(1)}` },
        payload: { concertId: 999 },
      }),
      404,
      'QUEUE_NOT_FOUND',
    );
  });

  it('answers 503 QUEUE_FULL with Retry-After when the room is full', async () => {
    await openRoom(app, 52, { maxWaiting: 2 });
    await join(app, 1, 52);
    await join(app, 2, 52);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/queue/tokens',
      headers: { authorization: `Bearer ${await userToken(3)}` },
      payload: { concertId: 52 },
    });
    expectProblem(res, 503, 'QUEUE_FULL');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // A user already inside still rejoins.
    expect((await join(app, 2, 52)).statusCode).toBe(200);
  });

  describe('admin', () => {
    const admin = (
      method: 'PUT' | 'GET' | 'DELETE',
      path: string,
      payload?: string,
      key: string | null = ADMIN_KEY,
    ) =>
      app.inject({
        method,
        url: `/v1/admin/queues/${path}`,
        headers: {
          ...(key === null ? {} : { 'x-admin-key': key }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload }),
      });

    it.each(['0', '-1', 'abc', '1.5', '2147483648', '01', '1e3', '%20'])(
      'rejects the path id %s with 400',
      async (id) => {
        for (const method of ['PUT', 'GET', 'DELETE'] as const) {
          expectProblem(
            await admin(method, id, method === 'PUT' ? '{}' : undefined),
            400,
            'VALIDATION_ERROR',
          );
        }
      },
    );

    it.each([
      ['unknown field', '{"maxActive":5,"colour":"red"}'],
      ['zero', '{"maxActive":0}'],
      ['negative', '{"admitPerSecond":-5}'],
      ['string', '{"idleTimeoutSeconds":"60"}'],
      ['fraction', '{"maxWaiting":10.5}'],
      ['huge', '{"maxWaiting":99999999999999999999}'],
      ['broken JSON', '{"maxActive":'],
      ['array', '[]'],
    ])('PUT with %s → 400 and the room unchanged', async (_n, payload) => {
      const before = (await admin('GET', '51')).json().config;
      expectProblem(await admin('PUT', '51', payload), 400, 'VALIDATION_ERROR');
      expect((await admin('GET', '51')).json().config).toEqual(before);
    });

    it('needs the admin key, checked after the body', async () => {
      expectProblem(await admin('GET', '51', undefined, null), 401, 'ADMIN_KEY_INVALID');
      expectProblem(await admin('GET', '51', undefined, 'wrong'), 401, 'ADMIN_KEY_INVALID');
      expectProblem(await admin('PUT', '51', '{"maxActive":"x"}', 'wrong'), 400, 'VALIDATION_ERROR');
    });

    it('answers 404 QUEUE_NOT_FOUND for a room that is not open', async () => {
      expectProblem(await admin('GET', '12345'), 404, 'QUEUE_NOT_FOUND');
    });

    it('keeps omitted fields and answers the room', async () => {
      await admin('PUT', '53', '{"maxActive":7,"admitPerSecond":3}');
      const res = await admin('PUT', '53', '{"admitPerSecond":9}');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        concertId: 53,
        waiting: 0,
        active: 0,
        config: { maxActive: 7, admitPerSecond: 9, idleTimeoutSeconds: 60 },
      });
    });
  });

  it('answers unknown routes and methods with a 404 problem', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v1/nope' }), 404, 'NOT_FOUND');
    expectProblem(await app.inject({ method: 'PATCH', url: '/v1/queue/tokens' }), 404, 'NOT_FOUND');
  });

  it('rejects an oversized body with a 4xx', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/queue/tokens',
      payload: `{"concertId":51,"x":"${'a'.repeat(200_000)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});
