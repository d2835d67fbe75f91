import type { PrismaClient } from '@concert/db';
import { AppError } from '@concert/http';
import { isUniqueViolation } from '../db/errors.ts';
import { READ_COMMITTED, runTransaction } from '../db/transaction.ts';

/** The unique index on the generated live_seat_id column: at most one live reservation per seat. */
const LIVE_SEAT_INDEX = 'Reservation_live_seat_id_key';

export const seatUnavailable = () => new AppError('SEAT_UNAVAILABLE', 409, 'the seat is held or sold');

export interface HoldTarget {
  concertId: number;
  /** null when the schedule has no such seat. */
  seatId: number | null;
}

/** The schedule's concert and whether the seat is in it: one round trip. */
export async function findHoldTarget(
  prisma: PrismaClient,
  scheduleId: number,
  seatId: number,
): Promise<HoldTarget | null> {
  const rows = await prisma.$queryRaw<{ concertId: number; seatId: number | null }[]>`
    SELECT cs.concert_id AS concertId, s.seat_id AS seatId
      FROM Concert_Schedule cs
      LEFT JOIN Seat s ON s.seat_id = ${seatId} AND s.concert_schedule_id = cs.concert_schedule_id
     WHERE cs.concert_schedule_id = ${scheduleId}`;
  const row = rows[0];
  if (!row) return null;
  return {
    concertId: Number(row.concertId),
    seatId: row.seatId === null ? null : Number(row.seatId),
  };
}

export interface Hold {
  reservationId: number;
  scheduleId: number;
  seatId: number;
  price: number;
  status: 'PROGRESS';
  expiresAt: Date;
  /** Milliseconds from now until expiresAt, on the database clock that set it. */
  msUntilExpiry: number;
}

export interface CreateHoldInput {
  userId: number;
  scheduleId: number;
  seatId: number;
  ttlSeconds: number;
  maxHoldsPerUser: number;
  txMaxWaitMs: number;
}

/**
 * Holds a seat in one transaction. Every time comes from MySQL's clock (NOW(3)), the clock the expiry
 * job, the sweep and payment compare against, so no process clock can disagree with them.
 *
 * READ COMMITTED: the statements below then take no gap locks, so holds on neighbouring seats never
 * block or deadlock each other.
 */
export async function createHold(prisma: PrismaClient, input: CreateHoldInput): Promise<Hold> {
  const { userId, scheduleId, seatId } = input;
  return runTransaction(
    prisma,
    { maxWaitMs: input.txMaxWaitMs, isolationLevel: READ_COMMITTED },
    async (tx) => {
      // The user's row lock serializes this user's holds, so the count below cannot race another hold.
      const users = await tx.$queryRaw<
        { userId: number }[]
      >`SELECT user_id AS userId FROM \`User\` WHERE user_id = ${userId} FOR UPDATE`;
      // The token gate provisioned the user; a row that is still missing is a bug, not a client error.
      if (users.length === 0) throw new Error(`user ${userId} was not provisioned`);

      const [counted] = await tx.$queryRaw<{ held: bigint | number }[]>`
      SELECT COUNT(*) AS held FROM Reservation
       WHERE user_id = ${userId} AND concert_schedule_id = ${scheduleId} AND status = 'PROGRESS' AND expires_at > NOW(3)`;
      if (Number(counted?.held ?? 0) >= input.maxHoldsPerUser) {
        throw new AppError(
          'HOLD_LIMIT_REACHED',
          409,
          `at most ${input.maxHoldsPerUser} unpaid holds per user in one schedule`,
        );
      }

      // A hold on this seat that is past due but not yet expired by its job is released here and now,
      // so the seat is available exactly at expiresAt, whenever the job runs.
      await tx.$executeRaw`
      UPDATE Reservation SET status = 'EXPIRED'
       WHERE live_seat_id = ${seatId} AND status = 'PROGRESS' AND expires_at <= NOW(3)`;

      let inserted: number;
      try {
        inserted = await tx.$executeRaw`
        INSERT INTO Reservation (user_id, concert_schedule_id, seat_id, seat_price, status, expires_at, created_at)
        SELECT ${userId}, s.concert_schedule_id, s.seat_id, s.seat_price, 'PROGRESS', NOW(3) + INTERVAL ${input.ttlSeconds} SECOND, NOW(3)
          FROM Seat s WHERE s.seat_id = ${seatId} AND s.concert_schedule_id = ${scheduleId}`;
      } catch (error) {
        // The database's guarantee against double booking, whatever any lock did.
        if (isUniqueViolation(error, LIVE_SEAT_INDEX)) throw seatUnavailable();
        throw error;
      }
      if (inserted !== 1)
        throw new AppError('SEAT_NOT_FOUND', 404, `no seat ${seatId} in schedule ${scheduleId}`);

      const [row] = await tx.$queryRaw<
        { id: bigint | number; price: bigint; expiresAt: Date; remaining: bigint | number }[]
      >`
      SELECT reservation_id AS id, seat_price AS price, expires_at AS expiresAt,
             TIMESTAMPDIFF(MICROSECOND, NOW(3), expires_at) AS remaining
        FROM Reservation WHERE reservation_id = LAST_INSERT_ID()`;
      if (!row) throw new Error('the inserted reservation is not readable');
      return {
        reservationId: Number(row.id),
        scheduleId,
        seatId,
        price: Number(row.price),
        status: 'PROGRESS' as const,
        expiresAt: row.expiresAt,
        msUntilExpiry: Math.ceil(Number(row.remaining) / 1000),
      };
    },
  );
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

/** One reservation with its concert. A PROGRESS hold past expires_at reads as EXPIRED: it is, by contract. */
export async function findReservation(
  prisma: PrismaClient,
  reservationId: number,
): Promise<ReservationView | null> {
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
