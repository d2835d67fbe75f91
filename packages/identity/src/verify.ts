import { AppError } from '@concert/http';
import { readBearer } from './bearer.ts';

// The refusals of both kinds of bearer token, the same in both services.

/** 401 TOKEN_INVALID: no bearer queue token, or one that does not verify. */
export const tokenInvalid = (detail = 'a Bearer queue token is required') =>
  new AppError('TOKEN_INVALID', 401, detail);

/** 401 AUTH_INVALID: no bearer user token, or one that does not verify. */
export const authInvalid = (detail = 'a Bearer user token is required') =>
  new AppError('AUTH_INVALID', 401, detail);

/** 503: the identity provider's key set cannot be read; a retry may succeed. */
export const identityUnavailable = (detail: string) => new AppError('UNAVAILABLE', 503, detail, 2);

/**
 * A queue-token codec, as @concert/queue-core's `createTokenCodec` makes it: `verifyToken` returns the
 * claims, or throws its InvalidTokenError for a token that does not verify. Structural, so that this
 * package does not depend on the queue's (whose tests depend on this one).
 */
export interface QueueTokenCodec<Claims> {
  verifyToken(token: string): Claims;
}

const isInvalidToken = (err: unknown): err is Error =>
  err instanceof Error && err.name === 'InvalidTokenError';

/**
 * The claims of the request's `Authorization: Bearer` queue token: the one verifier of queue tokens
 * for both services (user tokens go through plugin.ts, which throws the refusals above). Synchronous,
 * with no I/O: the signature is checked locally. Throws TOKEN_INVALID; any other error passes through.
 */
export function verifyQueueBearer<Claims>(
  tokens: QueueTokenCodec<Claims>,
  authorization: string | undefined,
): Claims {
  const token = readBearer(authorization);
  if (!token) throw tokenInvalid();
  try {
    return tokens.verifyToken(token);
  } catch (err) {
    if (isInvalidToken(err)) throw tokenInvalid(err.message);
    throw err;
  }
}
