import { createSigner, createVerifier } from 'fast-jwt';

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

/**
 * HMAC-SHA256 tokens through fast-jwt. They carry no timestamp, so signing the same claims always gives
 * the same string: a repeated join hands back the very token the user already holds. A token's life is
 * its state in Redis; an EXPIRED one never becomes live again, because token ids are never reused.
 */
export function createTokenCodec(secret: string) {
  const signer = createSigner({ key: secret, algorithm: 'HS256', noTimestamp: true });
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'] });
  /**
   * The claims of tokens already verified, by their exact string. A token carries no timestamp, so a
   * string once valid is valid for ever (its life is its state in Redis). Every poll verifies its
   * token, and fast-jwt's own cache hashed each one with SHA-256 before its lookup: 9 % of the
   * gateway's busy time in a poll profile. Oldest first out; only valid tokens are kept.
   */
  const verified = new Map<string, TokenClaims>();

  return {
    signToken(claims: TokenClaims): string {
      return signer({ sub: String(claims.userId), cid: claims.concertId, tid: claims.tokenId });
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
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(token, claims);
      return claims;
    },
  };
}

export type TokenCodec = ReturnType<typeof createTokenCodec>;
