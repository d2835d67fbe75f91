import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createUserTokenVerifier } from '../src/user-token.ts';

const SECRET = 'identity-test-secret-0123456789abcdef0123';
const ISSUER = 'https://id.concert.test';
const AUDIENCE = 'concert-platform';
const key = new TextEncoder().encode(SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly this header and these claims, signed with `secret`. */
function hs256(header: Record<string, unknown>, claims: unknown, secret = SECRET) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * HS256 user tokens are verified with node:crypto when their header is plain (see verifyPlainHs256),
 * and by jose otherwise. Every case here must be decided as jose alone decides it: accepted by both,
 * or refused by both, for the reason given.
 */
describe('HS256 user tokens: the synchronous path decides as jose does', () => {
  const verifier = createUserTokenVerifier({ jwtSecret: SECRET, issuer: ISSUER, audience: AUDIENCE });
  const claims = () => ({ sub: '5', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, iat: now() });

  const cases = (): [name: string, token: string, expected: number | string][] => [
    ['plain, alg only', hs256({ alg: 'HS256' }, claims()), 5],
    ['plain, alg and typ', hs256({ alg: 'HS256', typ: 'JWT' }, claims()), 5],
    ['aud as an array', hs256({ alg: 'HS256' }, { ...claims(), aud: ['other', AUDIENCE] }), 5],
    ['with a kid (jose decides)', hs256({ alg: 'HS256', kid: 'k1' }, claims()), 5],
    ['exp within the clock tolerance', hs256({ alg: 'HS256' }, { ...claims(), exp: now() - 2 }), 5],
    ['expired', hs256({ alg: 'HS256' }, { ...claims(), exp: now() - 60 }), 'the user token has expired'],
    ['exp not a number', hs256({ alg: 'HS256' }, { ...claims(), exp: '9999999999' }), 'exp'],
    ['no exp', hs256({ alg: 'HS256' }, { sub: '5', iss: ISSUER, aud: AUDIENCE }), 'exp'],
    ['no sub', hs256({ alg: 'HS256' }, { iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }), 'sub'],
    ['not yet valid', hs256({ alg: 'HS256' }, { ...claims(), nbf: now() + 300 }), 'nbf'],
    ['iat not a number', hs256({ alg: 'HS256' }, { ...claims(), iat: 'yesterday' }), 'iat'],
    ['no issuer', hs256({ alg: 'HS256' }, { sub: '5', aud: AUDIENCE, exp: now() + 600 }), 'iss'],
    ['wrong issuer', hs256({ alg: 'HS256' }, { ...claims(), iss: `${ISSUER}.evil` }), 'iss'],
    ['wrong audience', hs256({ alg: 'HS256' }, { ...claims(), aud: 'someone-else' }), 'aud'],
    ['aud not a string', hs256({ alg: 'HS256' }, { ...claims(), aud: 7 }), 'aud'],
    ['claims not an object', hs256({ alg: 'HS256' }, [1, 2]), 'the user token is malformed'],
    [
      'another secret',
      hs256({ alg: 'HS256' }, claims(), 'another-secret-of-at-least-32-characters!'),
      'the user token signature is invalid',
    ],
    [
      'tampered payload',
      (() => {
        const [h, , s] = hs256({ alg: 'HS256' }, claims()).split('.');
        return `${h}.${b64({ ...claims(), sub: '6' })}.${s}`;
      })(),
      'the user token signature is invalid',
    ],
    [
      'signature with a character appended',
      `${hs256({ alg: 'HS256' }, claims())}A`,
      'the user token signature is invalid',
    ],
    ['alg none', `${b64({ alg: 'none' })}.${b64(claims())}.`, 'the user token algorithm is not accepted'],
    ['alg HS512', hs256({ alg: 'HS512' }, claims()), 'the user token algorithm is not accepted'],
    [
      'unknown critical header',
      hs256({ alg: 'HS256', crit: ['exp2'], exp2: 1 }, claims()),
      'the user token is malformed',
    ],
    ['four parts', `${hs256({ alg: 'HS256' }, claims())}.x`, 'the user token is malformed'],
    ['a queue token', hs256({ alg: 'HS256' }, { ...claims(), tid: 1, cid: 2 }), 'this is a queue token'],
  ];

  /** What jose's jwtVerify alone says, with the verifier's options. */
  const joseAccepts = (token: string) =>
    jwtVerify(token, key, {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: 5,
      issuer: ISSUER,
      audience: AUDIENCE,
    }).then(
      () => true,
      () => false,
    );

  it.each(cases())('%s', async (_name, token, expected) => {
    const outcome = await verifier.verify(token).then(
      (identity) => identity.userId,
      (error: Error) => error.message,
    );
    if (typeof expected === 'number') {
      expect(outcome).toBe(expected);
      expect(await joseAccepts(token)).toBe(true);
    } else {
      expect(outcome).toEqual(expect.stringContaining(expected));
      // A queue token passes jose's checks; the verifier refuses it for its claims.
      if (expected !== 'this is a queue token') expect(await joseAccepts(token)).toBe(false);
    }
  });

  it('accepts the tokens signUserToken and jose sign, and reads their name', async () => {
    const token = await new SignJWT({ name: ' Ada ' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('42')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 60)
      .sign(key);
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: 42, name: 'Ada' });
  });
});
