import { AppError } from '@concert/http';

/**
 * The gateway's refusals: one factory per code, and the only place that builds them. The codes both
 * services raise before any route runs come from the shared packages: VALIDATION_ERROR, NOT_FOUND,
 * RATE_LIMITED and ADMIN_KEY_INVALID from @concert/http; TOKEN_INVALID and AUTH_INVALID from
 * @concert/identity, the one verifier of both kinds of bearer token.
 */

/** Seconds a client should wait before retrying a join into a full room. */
const FULL_RETRY_AFTER_SECONDS = 30;

export const queueNotFound = (concertId: number) =>
  new AppError('QUEUE_NOT_FOUND', 404, `no waiting room is open for concert ${concertId}`);

export const queueFull = () =>
  new AppError('QUEUE_FULL', 503, 'the waiting room is full', FULL_RETRY_AFTER_SECONDS);

/** 503 with Retry-After: a dependency is in the way; a retry may succeed. */
export const unavailable = (detail: string, retryAfterSeconds: number) =>
  new AppError('UNAVAILABLE', 503, detail, retryAfterSeconds);
