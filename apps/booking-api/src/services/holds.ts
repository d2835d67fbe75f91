import type { PrismaClient } from '@concert/db';
import type { TokenClaims } from '@concert/queue-core';
import type { HotSql } from '../db/hot-sql.ts';
import {
  assertTokenConcert,
  holdLimitReached,
  reservationNotFound,
  seatNotFound,
  seatUnavailable,
} from '../errors.ts';
import type { HoldQueue } from '../workers/queues.ts';
import { type CatalogCache, seatPrice } from './catalog-cache.ts';
import type { SeatChanges } from './seat-changes.ts';

export interface Hold {
  reservationId: number;
  scheduleId: number;
  seatId: number;
  price: number;
  status: 'PROGRESS';
  expiresAt: Date;
}

export interface SeatLocks {
  /**
   * Runs `work` while holding the seat's lock. A lock held by another request answers 409
   * SEAT_UNAVAILABLE at once: no retries, because the holder will most likely win the seat.
   *
   * When `work` succeeds (the seat is now held) and `keepOnSuccess` is set, the lock is left to run
   * out its lease instead of being released: the rush that follows a won seat is then turned away in
   * Redis, without a MySQL transaction each. Callers set it only when the lease is shorter than the
   * hold, so a kept lease never refuses a seat that is free.
   */
  withSeatLock<T>(seatId: number, work: () => Promise<T>, opts?: { keepOnSuccess?: boolean }): Promise<T>;
  /** The lease of a seat lock, in milliseconds. */
  readonly leaseMs: number;
}

export interface HoldExpiry {
  queue: HoldQueue;
  /**
   * Makes sure the bucket job of a hold due in `msUntilExpiry` exists: one BullMQ job per second of
   * expires_at, enqueued by the first hold of that second on this instance (later ones cost nothing,
   * and other instances' adds of the same job id are deduplicated by BullMQ).
   */
  schedule(msUntilExpiry: number): Promise<void>;
}

export interface HoldContext {
  sql: HotSql;
  catalog: CatalogCache;
  seatLocks: SeatLocks;
  holdExpiry: HoldExpiry;
  seatChanges: SeatChanges;
  ttlSeconds: number;
  maxHoldsPerUser: number;
  /** Leave a won seat's lock to run out its lease (only when the lease is shorter than the hold). */
  keepLockOnSuccess: boolean;
  warn(obj: object, msg: string): void;
}

/**
 * Holds a seat for the token's user. The work, in order, and what each step costs:
 *
 * - the schedule and the seat from the in-process catalog (no I/O once warm);
 * - the seat's Redlock lease (one Redis round trip): the crowd on one seat is turned away in Redis;
 * - one MySQL batch (one round trip) that locks the user row, counts the user's live holds and inserts
 *   only under the limit. Every time comes from MySQL's clock (NOW(3)), the clock the expiry and
 *   payment compare against. The unique live-seat index refuses a second live hold of the seat;
 * - on that duplicate only, a hold past due but not yet expired by its job is released and the batch
 *   runs once more, so a seat is available exactly at expiresAt whenever the job runs;
 * - the expiry bucket of the hold's second, enqueued once per second per instance.
 */
export async function holdSeat(
  ctx: HoldContext,
  claims: TokenClaims,
  target: { scheduleId: number; seatId: number },
): Promise<Hold> {
  const { scheduleId, seatId } = target;
  const schedule = await ctx.catalog.schedule(scheduleId);
  if (!schedule) throw seatNotFound(scheduleId, seatId);
  assertTokenConcert(claims, schedule.concertId);
  if (seatPrice(schedule, seatId) === undefined) throw seatNotFound(scheduleId, seatId);

  const insert = {
    userId: claims.userId,
    scheduleId,
    seatId,
    ttlSeconds: ctx.ttlSeconds,
    maxHoldsPerUser: ctx.maxHoldsPerUser,
  };
  const outcome = await ctx.seatLocks.withSeatLock(
    seatId,
    async () => {
      let result = await ctx.sql.hold(insert);
      if (result.kind === 'duplicate' && (await ctx.sql.releasePastDue(seatId))) {
        ctx.seatChanges.released([{ scheduleId, concertId: schedule.concertId, seats: 1 }]);
        result = await ctx.sql.hold(insert);
      }
      if (result.kind === 'duplicate') throw seatUnavailable();
      if (result.kind === 'limit') throw holdLimitReached(ctx.maxHoldsPerUser);
      if (result.kind === 'no-seat') throw seatNotFound(scheduleId, seatId);
      return result;
    },
    { keepOnSuccess: ctx.keepLockOnSuccess },
  );
  ctx.seatChanges.held({ scheduleId, concertId: schedule.concertId, seats: 1 });
  try {
    await ctx.holdExpiry.schedule(outcome.msUntilExpiry);
  } catch (err) {
    // The hold is committed; without its bucket's job the sweep expires it within HOLD_SWEEP_INTERVAL_MS.
    ctx.warn({ err, reservationId: outcome.reservationId }, 'could not enqueue the hold expiry job');
  }
  return {
    reservationId: outcome.reservationId,
    scheduleId,
    seatId,
    price: Number(outcome.price),
    status: 'PROGRESS',
    expiresAt: outcome.expiresAt,
  };
}

export interface ReservationView {
  reservationId: number;
  userId: number;
  concertId: number;
  scheduleId: number;
  seatId: number;
  price: number;
  status: 'PROGRESS' | 'COMPLETED' | 'EXPIRED';
  expiresAt: Date;
  confirmedAt: Date | null;
}

/**
 * The caller's reservation: someone else's reads as unknown (404), and one of another concert than
 * the token's is 403.
 */
export async function readOwnReservation(
  prisma: PrismaClient,
  claims: TokenClaims,
  reservationId: number,
): Promise<ReservationView> {
  const r = await findReservation(prisma, reservationId);
  if (!r || r.userId !== claims.userId) throw reservationNotFound();
  assertTokenConcert(claims, r.concertId);
  return r;
}

/** One reservation with its concert. A PROGRESS hold past expires_at reads as EXPIRED: it is, by contract. */
async function findReservation(prisma: PrismaClient, reservationId: number): Promise<ReservationView | null> {
  const rows = await prisma.$queryRaw<
    {
      id: number;
      userId: number;
      concertId: number;
      scheduleId: number;
      seatId: number;
      price: bigint;
      status: ReservationView['status'];
      expiresAt: Date;
      confirmedAt: Date | null;
    }[]
  >`
    SELECT r.reservation_id AS id, r.user_id AS userId, cs.concert_id AS concertId,
           r.concert_schedule_id AS scheduleId, r.seat_id AS seatId, r.seat_price AS price,
           IF(r.status = 'PROGRESS' AND r.expires_at <= NOW(3), 'EXPIRED', r.status) AS status,
           r.expires_at AS expiresAt, r.confirmed_at AS confirmedAt
      FROM Reservation r JOIN Concert_Schedule cs ON cs.concert_schedule_id = r.concert_schedule_id
     WHERE r.reservation_id = ${reservationId}`;
  const r = rows[0];
  if (!r) return null;
  return {
    reservationId: Number(r.id),
    userId: Number(r.userId),
    concertId: Number(r.concertId),
    scheduleId: Number(r.scheduleId),
    seatId: Number(r.seatId),
    price: Number(r.price),
    status: r.status,
    expiresAt: r.expiresAt,
    confirmedAt: r.confirmedAt,
  };
}
