// The booking-api client: each call validates its body against API.md and returns it typed.
import { sleep } from 'k6';
import { type CallResult, type CallSpec, call, isId, isMoney, isRecord, retryAfterSeconds } from './api.ts';
import type { CommonConfig } from './config.ts';
import type { User } from './identity.ts';
import { idempotentRetries } from './metrics.ts';
import { isTime } from './queue.ts';

export interface Schedule {
  scheduleId: number;
  playDate: string;
  totalSeats: number;
  availableSeats: number;
}

export interface Seat {
  seatId: number;
  seatNo: string;
  price: number;
  status: 'AVAILABLE' | 'HELD' | 'SOLD';
}

export interface Hold {
  reservationId: number;
  scheduleId: number;
  seatId: number;
  price: number;
  expiresAt: string;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function readSchedule(value: unknown): Schedule | undefined {
  if (!isRecord(value)) return undefined;
  const { scheduleId, playDate, totalSeats, availableSeats } = value;
  return isId(scheduleId) &&
    typeof playDate === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(playDate) &&
    isCount(totalSeats) &&
    isCount(availableSeats) &&
    availableSeats <= totalSeats
    ? { scheduleId, playDate, totalSeats, availableSeats }
    : undefined;
}

function readSeat(value: unknown): Seat | undefined {
  if (!isRecord(value)) return undefined;
  const { seatId, seatNo, price, status } = value;
  return isId(seatId) &&
    typeof seatNo === 'string' &&
    isMoney(price) &&
    (status === 'AVAILABLE' || status === 'HELD' || status === 'SOLD')
    ? { seatId, seatNo, price, status }
    : undefined;
}

function readList<T>(body: unknown, read: (value: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const items: T[] = [];
  for (const value of body) {
    const item = read(value);
    if (item === undefined) return undefined;
    items.push(item);
  }
  return items;
}

function readHold(body: unknown, scheduleId: number, seatId: number): Hold | undefined {
  if (!isRecord(body)) return undefined;
  const { reservationId, price, expiresAt } = body;
  return isId(reservationId) &&
    body.scheduleId === scheduleId &&
    body.seatId === seatId &&
    isMoney(price) &&
    body.status === 'PROGRESS' &&
    isTime(expiresAt)
    ? { reservationId, scheduleId, seatId, price, expiresAt }
    : undefined;
}

export function listSchedules(config: CommonConfig, token: string): Schedule[] | undefined {
  const result = call({
    name: 'schedules',
    method: 'GET',
    url: `${config.bookingUrl}/v1/concerts/${config.concertId}/schedules`,
    token,
    expect: [200],
    validBody: { label: 'a list of schedules', test: (body) => readList(body, readSchedule) !== undefined },
    timeout: config.requestTimeout,
  });
  return result.isExpected ? readList(result.body, readSchedule) : undefined;
}

export function listSeats(config: CommonConfig, token: string, scheduleId: number): Seat[] | undefined {
  const result = call({
    name: 'seats',
    method: 'GET',
    url: `${config.bookingUrl}/v1/schedules/${scheduleId}/seats`,
    token,
    expect: [200],
    validBody: { label: 'a list of seats', test: (body) => readList(body, readSeat) !== undefined },
    timeout: config.requestTimeout,
  });
  return result.isExpected ? readList(result.body, readSeat) : undefined;
}

export type HoldAnswer = { kind: 'held'; hold: Hold } | { kind: 'taken' } | { kind: 'failed' };

/** Holds a seat. 409 SEAT_UNAVAILABLE (someone else won it) is an expected answer, not an error. */
export function holdSeat(
  config: CommonConfig,
  token: string,
  scheduleId: number,
  seatId: number,
): HoldAnswer {
  const result = call({
    name: 'hold',
    method: 'POST',
    url: `${config.bookingUrl}/v1/reservations`,
    token,
    body: { scheduleId, seatId },
    expect: [201, 409],
    expectCodes: ['SEAT_UNAVAILABLE'],
    validBody: {
      label: 'a PROGRESS reservation of that seat',
      test: (body) => readHold(body, scheduleId, seatId) !== undefined,
    },
    timeout: config.requestTimeout,
  });
  if (!result.isExpected) return { kind: 'failed' };
  if (result.status === 409) return { kind: 'taken' };
  const hold = readHold(result.body, scheduleId, seatId);
  return hold === undefined ? { kind: 'failed' } : { kind: 'held', hold };
}

/**
 * Sends a request that carries an Idempotency-Key, and retries it once with the same key when the answer
 * was lost (network error or timeout) or refused for now (429, 503). API.md guarantees such a retry
 * charges nothing twice.
 */
function callIdempotent(spec: CallSpec & { idempotencyKey: string }): CallResult {
  const first = call(spec);
  const isRetryable = first.status === 0 || first.status === 429 || first.status === 503;
  if (!isRetryable) return first;
  idempotentRetries.add(1, { name: spec.name });
  sleep(first.status === 0 ? 1 : Math.min(retryAfterSeconds(first.res, 1), 10));
  return call(spec);
}

/** Charges the user's own balance, with their user token (another user's answers 403). */
export function chargeBalance(
  config: CommonConfig,
  user: User,
  amount: number,
  idempotencyKey: string,
): boolean {
  const { userId } = user;
  const result = callIdempotent({
    name: 'charge',
    method: 'POST',
    url: `${config.bookingUrl}/v1/users/${userId}/balance/charges`,
    token: user.userToken,
    body: { amount },
    idempotencyKey,
    expect: [200],
    validBody: {
      label: 'the new balance covers the charge',
      test: (body) =>
        isRecord(body) && body.userId === userId && isMoney(body.balance) && body.balance >= amount,
    },
    timeout: config.requestTimeout,
  });
  return result.isExpected;
}

export function pay(config: CommonConfig, token: string, hold: Hold, idempotencyKey: string): boolean {
  const result = callIdempotent({
    name: 'pay',
    method: 'POST',
    url: `${config.bookingUrl}/v1/payments`,
    token,
    body: { reservationIds: [hold.reservationId] },
    idempotencyKey,
    expect: [201],
    validBody: {
      label: 'a payment of the held seat',
      test: (body) =>
        isRecord(body) &&
        isId(body.paymentId) &&
        Array.isArray(body.reservationIds) &&
        body.reservationIds.length === 1 &&
        body.reservationIds[0] === hold.reservationId &&
        body.amount === hold.price &&
        isMoney(body.balance),
    },
    timeout: config.requestTimeout,
  });
  return result.isExpected;
}

/** Reads the paid reservation back with the token the payment expired, as API.md allows. */
export function readPaidReservation(config: CommonConfig, token: string, hold: Hold): boolean {
  const result = call({
    name: 'reservation',
    method: 'GET',
    url: `${config.bookingUrl}/v1/reservations/${hold.reservationId}`,
    token,
    expect: [200],
    validBody: {
      label: 'COMPLETED with confirmedAt',
      test: (body) =>
        isRecord(body) &&
        body.reservationId === hold.reservationId &&
        body.seatId === hold.seatId &&
        body.status === 'COMPLETED' &&
        isTime(body.confirmedAt),
    },
    timeout: config.requestTimeout,
  });
  return result.isExpected;
}
