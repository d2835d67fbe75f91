import { signUserToken } from '@concert/identity';
import {
  badUserTokens,
  createSigningKey,
  signWithKey,
  startJwksServer,
  TEST_AUTH_SECRET,
  type TestSigningKey,
} from '@concert/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayWorld,
  type GatewayApp,
  join,
  mapConcurrent,
  openRoom,
  poll,
  userToken,
} from './helpers.ts';

const ISSUER = 'https://id.concert.test';
const AUDIENCE = 'concert-platform';

const joinWith = (app: GatewayApp, authorization: string | undefined, concertId: number) =>
  app.inject({
    method: 'POST',
    url: '/v1/queue/tokens',
    headers: authorization ? { authorization } : {},
    payload: { concertId },
  });

describe('join as a verified user (HS256)', () => {
  const world = createGatewayWorld('identity-hs');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
    await openRoom(app, 81);
    await openRoom(app, 82);
  });
  afterAll(async () => w.close());

  it('answers every kind of bad user token with 401 AUTH_INVALID and writes nothing', async () => {
    const strict = await w.build({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
    const queueToken = (await join(app, 5, 81)).body.token as string;
    const cases = await badUserTokens({
      secret: TEST_AUTH_SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      queueToken,
    });
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const [name, header] of cases) {
      const res = await joinWith(strict, header, 82);
      expect(res.statusCode, name).toBe(401);
      expect(res.headers['content-type'], name).toContain('application/problem+json');
      expect(res.json(), name).toMatchObject({ status: 401, code: 'AUTH_INVALID' });
    }
    expect((await strict.queue.readRoomStats(82))!.waiting).toBe(0);
  });

  it('hands a user back only their own token; another identity gets its own place', async () => {
    const first = await join(app, 11, 81);
    expect(first.statusCode).toBe(201);
    expect(first.body.userId).toBe(11);
    const again = await join(app, 11, 81);
    expect(again.statusCode).toBe(200);
    expect(again.body.token).toBe(first.body.token);

    const other = await join(app, 12, 81);
    expect(other.statusCode).toBe(201);
    expect(other.body.userId).toBe(12);
    expect(other.body.token).not.toBe(first.body.token);
    expect(other.body.position).toBe(first.body.position + 1);
    // The stolen-token attack of v1: nobody can name another user in the body.
    const res = await app.inject({
      method: 'POST',
      url: '/v1/queue/tokens',
      headers: { authorization: `Bearer ${await userToken(12)}` },
      payload: { userId: 11, concertId: 81 },
    });
    expect(res.statusCode).toBe(400);
    expect((await poll(app, first.body.token)).body.position).toBe(first.body.position);
  });

  it('accepts the issuer and audience it is configured with', async () => {
    const strict = await w.build({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
    const { token } = await signUserToken(
      TEST_AUTH_SECRET,
      { userId: 21 },
      { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 },
    );
    expect((await joinWith(strict, `Bearer ${token}`, 82)).statusCode).toBe(201);
  });
});

describe('join with an identity provider’s JWKS (RS256 and ES256), and key rotation', () => {
  const world = createGatewayWorld('identity-jwks');
  let w: Awaited<typeof world>;
  let app: GatewayApp;
  let rsa: TestSigningKey;
  let ec: TestSigningKey;
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;

  beforeAll(async () => {
    w = await world;
    rsa = await createSigningKey('rsa-1', 'RS256');
    ec = await createSigningKey('ec-1', 'ES256');
    jwks = await startJwksServer([rsa, ec]);
    // JWKS only: no HS256 secret is accepted. No cooldown, so that the rotation below is seen at once.
    app = await w.build({
      AUTH_JWT_SECRET: '',
      AUTH_JWKS_URL: jwks.url,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_COOLDOWN_SECONDS: '0',
    });
    await openRoom(app, 91);
  });
  afterAll(async () => {
    await w.close();
    await jwks.close();
  });

  const claims = (sub: number) => ({ sub: String(sub), iss: ISSUER, aud: AUDIENCE });

  it('accepts RS256 and ES256 tokens by kid, and never fetches the keys on the join path', async () => {
    const fetchedAtStart = jwks.fetches;
    expect(fetchedAtStart).toBe(1); // warmed once when the app became ready
    const results = await mapConcurrent(
      Array.from({ length: 40 }, (_, i) => i + 1),
      20,
      async (u) => {
        const key = u % 2 === 0 ? rsa : ec;
        return joinWith(app, `Bearer ${await signWithKey(key, claims(u))}`, 91);
      },
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(40).fill(201));
    expect(jwks.fetches).toBe(fetchedAtStart);
  });

  it('refuses HS256 tokens, tokens of unknown keys and keys of another issuer', async () => {
    const stranger = await createSigningKey('rsa-1', 'RS256'); // same kid, another key: a forgery
    const unknown = await createSigningKey('rsa-unknown', 'RS256');
    const hs = (
      await signUserToken(
        TEST_AUTH_SECRET,
        { userId: 3 },
        { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 },
      )
    ).token;
    for (const header of [
      `Bearer ${hs}`,
      `Bearer ${await signWithKey(stranger, claims(3))}`,
      `Bearer ${await signWithKey(unknown, claims(3))}`,
      `Bearer ${await signWithKey(rsa, { ...claims(3), iss: 'https://evil.test' })}`,
      `Bearer ${await signWithKey(ec, { ...claims(3), aud: 'someone-else' })}`,
      `Bearer ${await signWithKey(rsa, { ...claims(3), exp: Math.floor(Date.now() / 1000) - 60 })}`,
    ]) {
      const res = await joinWith(app, header, 91);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('AUTH_INVALID');
    }
  });

  it('follows a key rotation: a new key is fetched on first sight, a retired one is refused', async () => {
    const rsa2 = await createSigningKey('rsa-2', 'RS256');
    jwks.setKeys([rsa2, ec]);
    const before = jwks.fetches;
    const res = await joinWith(app, `Bearer ${await signWithKey(rsa2, claims(101))}`, 91);
    expect(res.statusCode).toBe(201);
    expect(jwks.fetches).toBe(before + 1);
    // The provider retired rsa-1: its tokens no longer verify.
    const retired = await joinWith(app, `Bearer ${await signWithKey(rsa, claims(102))}`, 91);
    expect(retired.statusCode).toBe(401);
    // ES256 keeps working through the rotation.
    expect((await joinWith(app, `Bearer ${await signWithKey(ec, claims(103))}`, 91)).statusCode).toBe(201);
  });
});
