import { AppError } from '@concert/http';
import { InvalidTokenError, type TokenClaims, type TokenCodec } from '@concert/queue-core';
import { readBearer } from './bearer.ts';

/** 401 TOKEN_INVALID: no bearer queue token, or one that does not verify. Both services answer it. */
export const tokenInvalid = (detail = 'a Bearer queue token is required') =>
  new AppError('TOKEN_INVALID', 401, detail);

/**
 * The claims of the request's `Authorization: Bearer` queue token: the one verifier of queue tokens
 * for both services (user tokens go through this package's plugin). Synchronous, with no I/O: the
 * signature is checked locally. Throws TOKEN_INVALID; any other error passes through.
 */
export function verifyQueueBearer(tokens: TokenCodec, authorization: string | undefined): TokenClaims {
  const token = readBearer(authorization);
  if (!token) throw tokenInvalid();
  try {
    return tokens.verifyToken(token);
  } catch (err) {
    if (err instanceof InvalidTokenError) throw tokenInvalid(err.message);
    throw err;
  }
}
