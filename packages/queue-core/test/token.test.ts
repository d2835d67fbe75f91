import { createSigner } from 'fast-jwt';
import { describe, expect, it } from 'vitest';
import { createTokenCodec, InvalidTokenError } from '../src/token.ts';

const SECRET = 'test-queue-token-secret-0123456789-abcdef';

describe('queue tokens', () => {
  it('signs exactly the string fast-jwt signed for the same claims', () => {
    const fastJwt = createSigner({ key: SECRET, algorithm: 'HS256', noTimestamp: true });
    const codec = createTokenCodec(SECRET);
    for (const claims of [
      { userId: 1, concertId: 1, tokenId: 1 },
      { userId: 2_147_483_647, concertId: 2_147_483_647, tokenId: 1_764_694_000_123_456 },
      { userId: 123, concertId: 45, tokenId: Number.MAX_SAFE_INTEGER },
    ]) {
      const expected = fastJwt({ sub: String(claims.userId), cid: claims.concertId, tid: claims.tokenId });
      expect(codec.signToken(claims)).toBe(expected);
    }
  });

  it('verifies a token it signed, from its cache and in a fresh codec alike', () => {
    const claims = { userId: 7, concertId: 3, tokenId: 99 };
    const token = createTokenCodec(SECRET).signToken(claims);
    expect(createTokenCodec(SECRET).verifyToken(token)).toEqual(claims);
    const codec = createTokenCodec(SECRET);
    expect(codec.verifyToken(codec.signToken(claims))).toEqual(claims);
    expect(Object.isFrozen(codec.verifyToken(token))).toBe(true);
  });

  it('refuses a token of another secret, a tampered one, and claims out of range it signed', () => {
    const codec = createTokenCodec(SECRET);
    const other = createTokenCodec(`${SECRET}-other`).signToken({ userId: 7, concertId: 3, tokenId: 99 });
    expect(() => codec.verifyToken(other)).toThrow(InvalidTokenError);
    const [h, p, s] = codec.signToken({ userId: 7, concertId: 3, tokenId: 99 }).split('.');
    const forged = Buffer.from('{"sub":"8","cid":3,"tid":99}').toString('base64url');
    expect(() => codec.verifyToken(`${h}.${forged}.${s}`)).toThrow(InvalidTokenError);
    expect(p).not.toBe(forged);
    // Signed, but not claims verifyToken accepts: the cache must not make them valid.
    const zero = codec.signToken({ userId: 0, concertId: 3, tokenId: 99 });
    expect(() => codec.verifyToken(zero)).toThrow(InvalidTokenError);
  });
});
