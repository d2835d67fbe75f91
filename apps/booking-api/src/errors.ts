import { AppError } from '@concert/http';
import type { TokenClaims } from '@concert/queue-core';

/**
 * The booking API's refusals: one factory per code, and the only place that builds them (services,
 * plugins and routes all throw from here). The codes both services raise before any route runs come
 * from the shared packages: VALIDATION_ERROR, NOT_FOUND, RATE_LIMITED, a dependency's UNAVAILABLE and
 * ADMIN_KEY_INVALID from @concert/http; TOKEN_INVALID and AUTH_INVALID from @concert/identity, the one
 * verifier of both kinds of bearer token.
 */

export const tokenNotActive = (detail = 'the queue token is not ACTIVE') =>
  new AppError('TOKEN_NOT_ACTIVE', 403, detail);

/** 403 unless the token was issued for `concertId`; call once the resource is known to exist. */
export function assertTokenConcert(claims: TokenClaims, concertId: number): void {
  if (claims.concertId !== concertId) throw tokenNotActive('the queue token belongs to another concert');
}

export const forbidden = () => new AppError('FORBIDDEN', 403, 'a user token may only act on its own user');

export const concertNotFound = (concertId: number) =>
  new AppError('CONCERT_NOT_FOUND', 404, `no concert ${concertId}`);

export const scheduleNotFound = (scheduleId: number) =>
  new AppError('SCHEDULE_NOT_FOUND', 404, `no schedule ${scheduleId}`);

export const seatNotFound = (scheduleId: number, seatId: number) =>
  new AppError('SEAT_NOT_FOUND', 404, `no seat ${seatId} in schedule ${scheduleId}`);

export const reservationNotFound = () =>
  new AppError('RESERVATION_NOT_FOUND', 404, 'a reservation is unknown or not yours');

export const seatUnavailable = () => new AppError('SEAT_UNAVAILABLE', 409, 'the seat is held or sold');

export const holdLimitReached = (max: number) =>
  new AppError('HOLD_LIMIT_REACHED', 409, `at most ${max} unpaid holds per user in one schedule`);

export const notPayable = () =>
  new AppError(
    'RESERVATION_NOT_PAYABLE',
    409,
    'a reservation is expired, already paid, or past its expiresAt',
  );

export const insufficientBalance = (total: bigint) =>
  new AppError('INSUFFICIENT_BALANCE', 409, `the balance is below the total of ${total}`);

export const idempotencyKeyReused = () =>
  new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'this Idempotency-Key was used before with a different body');

export const balanceLimitExceeded = () =>
  new AppError('BALANCE_LIMIT_EXCEEDED', 422, `the balance would exceed ${Number.MAX_SAFE_INTEGER}`);

/** 503 with Retry-After: a dependency or a concurrent request is in the way; a retry may succeed. */
export const unavailable = (detail: string, retryAfterSeconds: number) =>
  new AppError('UNAVAILABLE', 503, detail, retryAfterSeconds);

export const idempotencyInProgress = () =>
  unavailable('a request with this Idempotency-Key is in progress', 1);
