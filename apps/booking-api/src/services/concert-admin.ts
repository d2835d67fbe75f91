import type { PrismaClient } from '@concert/db';
import { type FieldError, ValidationError } from '@concert/http';
import { concertNotFound } from '../errors.ts';
import { CATALOG_LIMITS, type CreateConcertBody } from '../schemas/admin-concerts.ts';
import type { SeatsLeftWriter } from './seats-left.ts';

/**
 * One INSERT … SELECT per date makes all of its seats in the database: the sections go in as one
 * JSON parameter (JSON_TABLE), and a recursive CTE counts 1 … n within each. Measured here for 20,000
 * seats: Prisma's createMany took 3.3-3.5 s, multi-row VALUES of 15,000 bound values per statement
 * 0.4-0.6 s (the time is in binding the values), and this statement 0.1 s on MariaDB itself.
 * MySQL's cte_max_recursion_depth (1000) bounds the count, which is the contract's 1,000 seats a row.
 */
const INSERT_SEATS_SQL = `
  INSERT INTO Seat (concert_schedule_id, seat_no, seat_price)
  WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${CATALOG_LIMITS.seatsPerSection})
  SELECT ?, CONCAT(section.seat_row, n.i), section.price
    FROM JSON_TABLE(?, '$[*]' COLUMNS (
           ord FOR ORDINALITY,
           seat_row VARCHAR(8) PATH '$.row',
           seats INT PATH '$.seats',
           price BIGINT PATH '$.price')) AS section
    JOIN n ON n.i <= section.seats
   ORDER BY section.ord, n.i`;
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
    // Seat numbers are row + number, compared without case (MySQL's collation: A1 = a1). Rows must
    // then differ without case, and must not make the same number twice: row S1's 11th seat and row
    // S11's first are both S111.
    const rows = new Map<string, number>();
    const numbers = new Map<string, number>();
    let seats = 0;
    schedule.sections.forEach((section, r) => {
      const row = section.row.toUpperCase();
      const path = `${at}/sections/${r}/row`;
      if (rows.has(row)) {
        errors.push({ path, message: `repeats the row of section ${rows.get(row)}` });
        return;
      }
      rows.set(row, r);
      seats += section.seats;
      if (seats > CATALOG_LIMITS.seatsPerSchedule) return;
      for (let n = 1; n <= section.seats; n++) {
        const seatNo = `${row}${n}`;
        const other = numbers.get(seatNo);
        if (other !== undefined) {
          errors.push({ path, message: `seat ${section.row}${n} is also a seat of section ${other}` });
          return;
        }
        numbers.set(seatNo, r);
      }
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

export interface ConcertAdminContext {
  prisma: PrismaClient;
  txMaxWaitMs: number;
  seatsLeft: SeatsLeftWriter;
}

/**
 * POST /v1/admin/concerts: the concert with its dates and seats, then its seats-left count (the
 * waiting room's soldOut).
 */
export async function createConcert(
  ctx: ConcertAdminContext,
  body: CreateConcertBody,
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Promise<CreatedConcert> {
  const created = await insertConcert(ctx.prisma, body, ctx.txMaxWaitMs);
  const seats = created.schedules.reduce((sum, s) => sum + s.totalSeats, 0);
  // Committed; a count that cannot be written now is filled in from MySQL by the workers.
  await ctx.seatsLeft
    .set(created.concertId, seats)
    .catch((err: unknown) => log.warn({ err }, 'could not set the seats-left count'));
  log.info({ concertId: created.concertId, schedules: created.schedules.length }, 'concert created');
  return created;
}

/**
 * Creates a concert with its dates and seats in one transaction: all of it, or nothing. The seats
 * of section row R with n seats are R1 … Rn.
 */
async function insertConcert(
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

      // Seat ids follow the sections' order, then the seat number.
      for (const s of body.schedules) {
        await tx.$executeRawUnsafe(INSERT_SEATS_SQL, idOf.get(s.playDate)!, JSON.stringify(s.sections));
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
  if (!concert) throw concertNotFound(concertId);
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
