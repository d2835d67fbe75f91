import { loggerOptions } from '@concert/http';
import { createTokenCodec } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll, userToken } from './helpers.ts';

describe('tokens', () => {
  const world = createGatewayWorld('tokens');
  let w: Awaited<typeof world>;
  let app: GatewayApp;
  let token = '';

  beforeAll(async () => {
    w = await world;
    app = await w.build();
    await openRoom(app, 41);
    await openRoom(app, 42);
    token = (await join(app, 7, 41)).body.token;
  });
  afterAll(async () => w.close());

  const statusWith = (authorization?: string) =>
    app.inject({ method: 'GET', url: '/v1/queue/status', headers: authorization ? { authorization } : {} });

  it('accepts its own token', async () => {
    expect((await poll(app, token)).body.status).toBe('WAITING');
  });

  it.each([
    ['missing', undefined],
    ['not Bearer', `Basic ${token}`],
    ['garbage', 'Bearer not-a-token'],
    ['empty', 'Bearer '],
    ['oversized', `Bearer ${'a'.repeat(5000)}`],
  ])('answers 401 TOKEN_INVALID for a %s token', async (_name, header) => {
    const res = await statusWith(header);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('TOKEN_INVALID');
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = createTokenCodec('another-secret-0123456789abcdef0123456').signToken(
      app.tokens.verifyToken(token),
    );
    expect((await statusWith(`Bearer ${forged}`)).json().code).toBe('TOKEN_INVALID');
  });

  it('answers 401 for a tampered payload (another user, another room)', async () => {
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    for (const change of [{ sub: '8' }, { cid: 42 }, { tid: claims.tid + 1 }]) {
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${s}`;
      expect((await statusWith(`Bearer ${tampered}`)).statusCode).toBe(401);
    }
  });

  it('answers 401 for an unsigned (alg none) token', async () => {
    const [, p] = token.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect((await statusWith(`Bearer ${none}`)).statusCode).toBe(401);
  });

  it('reports an expired token as EXPIRED, and a token of another room never sees this room', async () => {
    const mine = (await join(app, 9, 42)).body.token;
    await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${mine}` },
    });
    const res = await poll(app, mine);
    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ status: 'EXPIRED' });
    // User 7 waits in room 41; a validly signed room-42 token with user 7's token id is not user 7's place.
    const claims = app.tokens.verifyToken(token);
    const otherRoom = app.tokens.signToken({ ...claims, concertId: 42 });
    expect((await poll(app, otherRoom)).body).toEqual({ status: 'EXPIRED' });
    expect((await poll(app, token)).body.status).toBe('WAITING');
  });

  /** A gateway at `level` whose log lines are kept in `lines`, one JSON line each. */
  async function buildLoggedGateway(level: string) {
    const lines: string[] = [];
    const { buildGatewayApp } = await import('../src/app.ts');
    const { testConfig } = await import('./helpers.ts');
    const app = await buildGatewayApp(testConfig(w.prefix, { LOG_LEVEL: level }), {
      logger: {
        ...(loggerOptions(level) as object),
        stream: { write: (l: string) => lines.push(l) },
      } as never,
    });
    await app.ready();
    return { app, lines };
  }

  it('never writes a token to the logs', async () => {
    const { app: logged, lines } = await buildLoggedGateway('trace');
    const joinRes = await logged.inject({
      method: 'POST',
      url: '/v1/queue/tokens',
      headers: { authorization: `Bearer ${await userToken(77)}` },
      payload: { concertId: 41 },
    });
    const t = joinRes.json().token as string;
    await logged.inject({
      method: 'GET',
      url: '/v1/queue/status',
      headers: { authorization: `Bearer ${t}` },
    });
    await logged.inject({
      method: 'GET',
      url: '/v1/queue/status',
      headers: { authorization: `Bearer ${t}x` },
    });
    await logged.close();
    expect(lines.length).toBeGreaterThan(0);
    const signature = t.split('.')[2]!;
    expect(lines.some((l) => l.includes(signature))).toBe(false);
  });

  it('logs polls only at debug, and every other request at info', async () => {
    async function requestLines(level: string) {
      const { app, lines } = await buildLoggedGateway(level);
      const joined = await app.inject({
        method: 'POST',
        url: '/v1/queue/tokens',
        headers: { authorization: `Bearer ${await userToken(78)}` },
        payload: { concertId: 41 },
      });
      expect(joined.statusCode).toBeLessThan(300);
      const poll = await app.inject({
        method: 'GET',
        url: '/v1/queue/status',
        headers: { authorization: `Bearer ${joined.json().token}` },
      });
      expect(poll.statusCode).toBe(200);
      await app.close();
      return lines
        .map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } })
        .filter((l) => l.msg === 'incoming request')
        .map((l) => l.req?.url);
    }
    expect(await requestLines('info')).toEqual(['/v1/queue/tokens']);
    expect(await requestLines('debug')).toEqual(['/v1/queue/tokens', '/v1/queue/status']);
  });
});
