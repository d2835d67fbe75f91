import type { PrismaClient } from '@concert/db';
import type { TokenClaims } from '@concert/queue-core';
import { assertTokenConcert, concertNotFound, scheduleNotFound, tokenNotActive } from '../errors.ts';
import type { CatalogCache } from './catalog-cache.ts';
import type { SeatListCache } from './seat-list-cache.ts';

/**
 * A reservation occupies its seat while it is COMPLETED, or PROGRESS and not yet due. A PROGRESS hold
 * past expires_at counts as released already: a hold attempt expires it on the spot (see holds.ts), so
 * the listing agrees with what a hold would get, however late the expiry job runs.
 */
const OCCUPYING = `(r.status = 'COMPLETED' OR r.expires_at > NOW(3))`;

export async function listConcerts(prisma: PrismaClient) {
  const rows = await prisma.concert.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } });
  return rows.map((r) => ({ concertId: r.id, name: r.name }));
}

/** GET /v1/concerts/{concertId}/schedules, for a token of that concert. */
export async function listConcertSchedules(prisma: PrismaClient, claims: TokenClaims, concertId: number) {
  if (concertId !== claims.concertId) {
    // Another concert's resource is 403 only where it exists; an unknown one is 404.
    if (await concertExists(prisma, concertId))
      throw tokenNotActive('the queue token belongs to another concert');
    throw concertNotFound(concertId);
  }
  const schedules = await listSchedules(prisma, concertId);
  if (schedules.length === 0 && !(await concertExists(prisma, concertId))) throw concertNotFound(concertId);
  return schedules;
}

/**
 * GET /v1/schedules/{scheduleId}/seats, for a token of that schedule's concert: the list as JSON
 * already (the micro-cache keeps it serialized).
 */
export async function readSeatList(
  views: { catalog: CatalogCache; seatLists: SeatListCache },
  claims: TokenClaims,
  scheduleId: number,
): Promise<Buffer> {
  const schedule = await views.catalog.schedule(scheduleId);
  if (!schedule) throw scheduleNotFound(scheduleId);
  assertTokenConcert(claims, schedule.concertId);
  return views.seatLists.get(scheduleId);
}

export async function concertExists(prisma: PrismaClient, concertId: number): Promise<boolean> {
  return (await prisma.concert.findUnique({ where: { id: concertId }, select: { id: true } })) !== null;
}

/** A concert's schedules with their seat counts, in one aggregate query (no query per schedule). */
async function listSchedules(prisma: PrismaClient, concertId: number) {
  const rows = await prisma.$queryRawUnsafe<
    { scheduleId: number; playDate: string; totalSeats: bigint | number; availableSeats: bigint | number }[]
  >(
    `SELECT cs.concert_schedule_id AS scheduleId, DATE_FORMAT(cs.play_date, '%Y-%m-%d') AS playDate,
            COUNT(s.seat_id) AS totalSeats, COUNT(s.seat_id) - COUNT(r.reservation_id) AS availableSeats
       FROM Concert_Schedule cs
       LEFT JOIN Seat s ON s.concert_schedule_id = cs.concert_schedule_id
       LEFT JOIN Reservation r ON r.live_seat_id = s.seat_id AND ${OCCUPYING}
      WHERE cs.concert_id = ?
      GROUP BY cs.concert_schedule_id, cs.play_date
      ORDER BY cs.play_date, cs.concert_schedule_id`,
    concertId,
  );
  return rows.map((r) => ({
    scheduleId: Number(r.scheduleId),
    playDate: r.playDate,
    totalSeats: Number(r.totalSeats),
    availableSeats: Number(r.availableSeats),
  }));
}

export type SeatStatus = 'AVAILABLE' | 'HELD' | 'SOLD';

/** A schedule's seats, each with its status derived from its live reservation, in one query. */
export async function listSeats(prisma: PrismaClient, scheduleId: number) {
  const rows = await prisma.$queryRawUnsafe<
    { seatId: number; seatNo: string; price: bigint; status: SeatStatus }[]
  >(
    `SELECT s.seat_id AS seatId, s.seat_no AS seatNo, s.seat_price AS price,
            CASE WHEN r.reservation_id IS NULL THEN 'AVAILABLE' WHEN r.status = 'COMPLETED' THEN 'SOLD' ELSE 'HELD' END AS status
       FROM Seat s
       LEFT JOIN Reservation r ON r.live_seat_id = s.seat_id AND ${OCCUPYING}
      WHERE s.concert_schedule_id = ?
      ORDER BY s.seat_id`,
    scheduleId,
  );
  return rows.map((r) => ({
    seatId: Number(r.seatId),
    seatNo: r.seatNo,
    price: Number(r.price),
    status: r.status,
  }));
}
