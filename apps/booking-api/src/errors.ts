import { AppError } from '@concert/http';
import type { TokenClaims } from '@concert/queue-core';

/** The booking API's refusals, each built in this one place (the contract's codes and words). */

export function tokenNotActive(detail: string): AppError {
  return new AppError('TOKEN_NOT_ACTIVE', 403, detail);
}

/** 403 unless the token was issued for `concertId`; call once the resource is known to exist. */
export function assertTokenConcert(claims: TokenClaims, concertId: number): void {
  if (claims.concertId !== concertId) throw tokenNotActive('the queue token belongs to another concert');
}

export const seatUnavailable = () => new AppError('SEAT_UNAVAILABLE', 409, 'the seat is held or sold');

export const seatNotFound = (scheduleId: number, seatId: number) =>
  new AppError('SEAT_NOT_FOUND', 404, `no seat ${seatId} in schedule ${scheduleId}`);

export const scheduleNotFound = (scheduleId: number) =>
  new AppError('SCHEDULE_NOT_FOUND', 404, `no schedule ${scheduleId}`);

export const holdLimitReached = (max: number) =>
  new AppError('HOLD_LIMIT_REACHED', 409, `at most ${max} unpaid holds per user in one schedule`);

export const notPayable = () =>
  new AppError(
    'RESERVATION_NOT_PAYABLE',
    409,
    'a reservation is expired, already paid, or past its expiresAt',
  );

export const reservationNotFound = () =>
  new AppError('RESERVATION_NOT_FOUND', 404, 'a reservation is unknown or not yours');

export const insufficientBalance = (total: bigint) =>
  new AppError('INSUFFICIENT_BALANCE', 409, `the balance is below the total of ${total}`);
