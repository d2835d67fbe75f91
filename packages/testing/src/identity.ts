import { signUserToken } from '@concert/identity';

/** The HS256 secret test services verify user tokens with (AUTH_JWT_SECRET). */
export const TEST_AUTH_SECRET = 'test-user-token-secret-0123456789abcdef';

/** A user token for `userId`, signed as the tests' identity provider would sign it. */
export async function testUserToken(userId: number, opts: { name?: string; ttlSeconds?: number } = {}) {
  const { token } = await signUserToken(
    TEST_AUTH_SECRET,
    { userId, ...(opts.name ? { name: opts.name } : {}) },
    { ttlSeconds: opts.ttlSeconds ?? 3600 },
  );
  return token;
}

/** base64url of a JSON value, for hand-made (unsigned or tampered) tokens. */
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface BadUserTokenOptions {
  /** The HS256 secret the service under test verifies with. */
  secret: string;
  /** The service's AUTH_ISSUER / AUTH_AUDIENCE, to make tokens that differ from them. */
  issuer?: string;
  audience?: string;
  /** A valid queue token, sent where a user token belongs. */
  queueToken?: string;
}

/**
 * Every kind of bad user token the contract names, as `Authorization` header values (undefined:
 * no header). Each must answer 401 AUTH_INVALID and write nothing.
 */
export async function badUserTokens(
  opts: BadUserTokenOptions,
): Promise<[name: string, header: string | undefined][]> {
  const { SignJWT } = await import('jose');
  const key = new TextEncoder().encode(opts.secret);
  const now = Math.floor(Date.now() / 1000);
  const sign = async (claims: Record<string, unknown>, signWith: Uint8Array = key) => {
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
    if (opts.issuer && !('iss' in claims)) jwt = jwt.setIssuer(opts.issuer);
    if (opts.audience && !('aud' in claims)) jwt = jwt.setAudience(opts.audience);
    return `Bearer ${await jwt.sign(signWith)}`;
  };
  const valid = { sub: '5', exp: now + 600 };
  const cases: [string, string | undefined][] = [
    ['missing', undefined],
    ['empty bearer', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from('5:x').toString('base64')}`],
    ['garbage', 'Bearer not-a-token'],
    ['three garbage parts', 'Bearer aaa.bbb.ccc'],
    [
      'forged (another secret)',
      await sign(valid, new TextEncoder().encode('another-secret-of-at-least-32-characters!')),
    ],
    [
      'alg none',
      `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...valid, iss: opts.issuer, aud: opts.audience })}.`,
    ],
    [
      'tampered payload',
      await sign(valid).then((t) => {
        const [h, , s] = t.slice(7).split('.');
        return `Bearer ${h}.${b64({ ...valid, sub: '6' })}.${s}`;
      }),
    ],
    ['expired', await sign({ sub: '5', exp: now - 60 })],
    ['no exp', await sign({ sub: '5' })],
    ['not yet valid', await sign({ ...valid, nbf: now + 300 })],
    ['no sub', await sign({ exp: now + 600 })],
    ['sub not a number', await sign({ ...valid, sub: 'alice' })],
    ['sub zero', await sign({ ...valid, sub: '0' })],
    ['sub negative', await sign({ ...valid, sub: '-5' })],
    ['sub past 2^31-1', await sign({ ...valid, sub: '2147483648' })],
    ['sub with a leading zero', await sign({ ...valid, sub: '05' })],
    ['sub as a JSON number', await sign({ ...valid, sub: 5 })],
  ];
  if (opts.issuer) cases.push(['wrong issuer', await sign({ ...valid, iss: `${opts.issuer}.evil` })]);
  if (opts.audience) cases.push(['wrong audience', await sign({ ...valid, aud: `${opts.audience}-other` })]);
  if (opts.queueToken) cases.push(['a queue token', `Bearer ${opts.queueToken}`]);
  return cases;
}
