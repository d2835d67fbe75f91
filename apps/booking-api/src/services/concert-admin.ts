import type { PrismaClient } from '@concert/db';
import { AppError, type FieldError, ValidationError } from '@concert/http';
import { CATALOG_LIMITS, type CreateConcertBody } from '../schemas/admin-concerts.ts';

/**
 * Rows per multi-row INSERT of seats. 20,000 seats are then 4 statements rather than 20,000 round
 * trips, and a statement's 15,000 bound values stay well under MySQL's 65,535 per prepared statement.
 */
const SEATS_PER_INSERT = 5_000;
/** A catalog of 31 dates × 20,000 seats is 620,000 rows: the transaction may take seconds, not 5. */
const CATALOG_TX_TIMEOUT_MS = 120_000;

/** Is `date` (YYYY-MM-DD) a real calendar day that MySQL's DATE can hold? */
function isCalendarDate(date: string): boolean {
  const year = Number(date.slice(0, 4));
  const parsed = new Date(`${date}T00:00:00.000Z`);
  return year >= 1000 && !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/**
 * The rules of a catalog request that a JSON schema cannot say: real dates, distinct dates, distinct
 * rows, and at most 20,000 seats a date. Every offending field is listed.
 */
export function findCatalogErrors(body: CreateConcertBody): FieldError[] {
  const errors: FieldError[] = [];
  const dates = new Map<string, number>();
  body.schedules.forEach((schedule, s) => {
    const at = `/schedules/${s}`;
    if (!isCalendarDate(schedule.playDate)) {
      errors.push({ path: `${at}/playDate`, message: 'must be a calendar date YYYY-MM-DD' });
    } else if (dates.has(schedule.playDate)) {
      errors.push({
        path: `${at}/playDate`,
        message: `repeats the date of /schedules/${dates.get(schedule.playDate)}`,
      });
    } else {
      dates.set(schedule.playDate, s);
    }
    // Seat numbers compare without case in MySQL (A1 = a1), so rows must differ without case too.
    const rows = new Map<string, number>();
    let seats = 0;
    schedule.sections.forEach((section, r) => {
      const row = section.row.toUpperCase();
      if (rows.has(row)) {
        errors.push({
          path: `${at}/sections/${r}/row`,
          message: `repeats the row of section ${rows.get(row)}`,
        });
      } else {
        rows.set(row, r);
      }
      seats += section.seats;
    });
    if (seats > CATALOG_LIMITS.seatsPerSchedule) {
      errors.push({
        path: `${at}/sections`,
        message: `has ${seats} seats; a date has at most ${CATALOG_LIMITS.seatsPerSchedule}`,
      });
    }
  });
  return errors;
}

export interface CreatedConcert {
  concertId: number;
  name: string;
  schedules: { scheduleId: number; playDate: string; totalSeats: number }[];
}

const toPlayDate = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Creates a concert with its dates and seats in one transaction: all of it, or nothing. The seats
 * of section row R with n seats are R1 … Rn.
 */
export async function createConcert(
  prisma: PrismaClient,
  body: CreateConcertBody,
  txMaxWaitMs: number,
): Promise<CreatedConcert> {
  const errors = findCatalogErrors(body);
  if (errors.length > 0) throw new ValidationError('the catalog is invalid', errors);

  return prisma.$transaction(
    async (tx) => {
      const { id: concertId } = await tx.concert.create({ data: { name: body.name }, select: { id: true } });
      await tx.concertSchedule.createMany({
        data: body.schedules.map((s) => ({ concertId, playDate: new Date(`${s.playDate}T00:00:00.000Z`) })),
      });
      const created = await tx.concertSchedule.findMany({
        where: { concertId },
        select: { id: true, playDate: true },
      });
      const idOf = new Map(created.map((c) => [toPlayDate(c.playDate), c.id]));

      const seats = body.schedules.flatMap((s) => {
        const scheduleId = idOf.get(s.playDate)!;
        return s.sections.flatMap((section) =>
          Array.from({ length: section.seats }, (_, i) => ({
            scheduleId,
            seatNo: `${section.row}${i + 1}`,
            price: BigInt(section.price),
          })),
        );
      });
      for (let i = 0; i < seats.length; i += SEATS_PER_INSERT) {
        await tx.seat.createMany({ data: seats.slice(i, i + SEATS_PER_INSERT) });
      }

      return {
        concertId,
        name: body.name,
        schedules: body.schedules
          .map((s) => ({
            scheduleId: idOf.get(s.playDate)!,
            playDate: s.playDate,
            totalSeats: s.sections.reduce((sum, section) => sum + section.seats, 0),
          }))
          .sort((a, b) => a.playDate.localeCompare(b.playDate) || a.scheduleId - b.scheduleId),
      };
    },
    { maxWait: txMaxWaitMs, timeout: CATALOG_TX_TIMEOUT_MS },
  );
}

export interface ConcertSales {
  concertId: number;
  name: string;
  schedules: {
    scheduleId: number;
    playDate: string;
    totalSeats: number;
    sold: number;
    held: number;
    revenue: number;
  }[];
}

/**
 * What an operator watches per date: seats, sold (paid), held (unpaid and not yet due) and revenue
 * (what the sold seats were paid, at the price of their hold). Two aggregate queries, however many
 * dates and seats.
 */
export async function readConcertSales(prisma: PrismaClient, concertId: number): Promise<ConcertSales> {
  const concert = await prisma.concert.findUnique({ where: { id: concertId }, select: { name: true } });
  if (!concert) throw new AppError('CONCERT_NOT_FOUND', 404, `no concert ${concertId}`);
  const rows = await prisma.$queryRaw<
    {
      scheduleId: number;
      playDate: string;
      totalSeats: bigint | number;
      sold: bigint | number | null;
      held: bigint | number | null;
      revenue: bigint | number | string | null;
    }[]
  >`
    SELECT cs.concert_schedule_id AS scheduleId, DATE_FORMAT(cs.play_date, '%Y-%m-%d') AS playDate,
           (SELECT COUNT(*) FROM Seat s WHERE s.concert_schedule_id = cs.concert_schedule_id) AS totalSeats,
           SUM(r.status = 'COMPLETED') AS sold,
           SUM(r.status = 'PROGRESS' AND r.expires_at > NOW(3)) AS held,
           CAST(COALESCE(SUM(IF(r.status = 'COMPLETED', r.seat_price, 0)), 0) AS SIGNED) AS revenue
      FROM Concert_Schedule cs
      LEFT JOIN Reservation r
        ON r.concert_schedule_id = cs.concert_schedule_id AND r.status IN ('PROGRESS', 'COMPLETED')
     WHERE cs.concert_id = ${concertId}
     GROUP BY cs.concert_schedule_id, cs.play_date
     ORDER BY cs.play_date, cs.concert_schedule_id`;
  return {
    concertId,
    name: concert.name,
    schedules: rows.map((r) => ({
      scheduleId: Number(r.scheduleId),
      playDate: r.playDate,
      totalSeats: Number(r.totalSeats),
      sold: Number(r.sold ?? 0),
      held: Number(r.held ?? 0),
      revenue: Number(r.revenue ?? 0),
    })),
  };
}
