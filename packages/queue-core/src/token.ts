import { createHmac, createSecretKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';

/** What a queue token binds: one user, one concert, one token id (the room's join sequence). */
export interface TokenClaims {
  userId: number;
  concertId: number;
  tokenId: number;
}

/** A token that does not verify. Its name is what @concert/identity's verifyQueueBearer answers 401 for. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const MAX_ID = 2_147_483_647;

/** Verified tokens kept per instance: about 200 B each, 20 MB at the limit. */
const VERIFIED_MAX = 100_000;

const isId = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= MAX_ID;

/** The claims verifyToken accepts: user and concert ids of 1..2147483647, a positive token id. */
const isValidClaims = (c: TokenClaims) =>
  isId(c.userId) && isId(c.concertId) && Number.isSafeInteger(c.tokenId) && c.tokenId >= 1;

/** The one header a queue token has, as fast-jwt wrote it: `{"alg":"HS256","typ":"JWT"}`. */
const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/**
 * HMAC-SHA256 tokens, signed with node:crypto and verified by fast-jwt. They carry no timestamp, so
 * signing the same claims always gives the same string: a repeated join hands back the very token the
 * user already holds. A token's life is its state in Redis; an EXPIRED one never becomes live again,
 * because token ids are never reused.
 */
export function createTokenCodec(secret: string) {
  const key = createSecretKey(Buffer.from(secret));
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'] });
  /**
   * The claims of tokens already verified, by their exact string. A token carries no timestamp, so a
   * string once valid is valid for ever (its life is its state in Redis). Every poll verifies its
   * token, and fast-jwt's own cache hashed each one with SHA-256 before its lookup: 9 % of the
   * gateway's busy time in a poll profile. Oldest first out; only valid tokens are kept.
   */
  const verified = new Map<string, TokenClaims>();
  function remember(token: string, claims: TokenClaims) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  }

  return {
    /**
     * The same string fast-jwt's HS256 signer gave for these claims (header, then `sub`, `cid`, `tid`
     * in that order, no timestamp; test/token.test.ts compares the two), built with node:crypto
     * directly: fast-jwt's signer was 7 % of a join's gateway CPU in a profile of joins alone. The
     * token is known valid from here on, so the join's first poll or leave skips its verification.
     */
    signToken(claims: TokenClaims): string {
      const payload = Buffer.from(
        JSON.stringify({ sub: String(claims.userId), cid: claims.concertId, tid: claims.tokenId }),
      ).toString('base64url');
      const signed = `${HEADER}.${payload}`;
      const token = `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
      if (isValidClaims(claims) && !verified.has(token)) {
        remember(
          token,
          Object.freeze({ userId: claims.userId, concertId: claims.concertId, tokenId: claims.tokenId }),
        );
      }
      return token;
    },
    /** Throws InvalidTokenError for anything but a well-formed token signed with this secret. */
    verifyToken(token: string): TokenClaims {
      const known = verified.get(token);
      if (known) return known;
      let payload: { sub?: unknown; cid?: unknown; tid?: unknown };
      try {
        payload = verifier(token);
      } catch {
        throw new InvalidTokenError('token is malformed or wrongly signed');
      }
      const userId =
        typeof payload.sub === 'string' && /^[1-9]\d{0,9}$/.test(payload.sub) ? Number(payload.sub) : 0;
      if (
        !isId(userId) ||
        !isId(payload.cid) ||
        !Number.isSafeInteger(payload.tid) ||
        (payload.tid as number) < 1
      ) {
        throw new InvalidTokenError('token claims are malformed');
      }
      const claims: TokenClaims = Object.freeze({
        userId,
        concertId: payload.cid,
        tokenId: payload.tid as number,
      });
      remember(token, claims);
      return claims;
    },
  };
}

export type TokenCodec = ReturnType<typeof createTokenCodec>;
