import type { createPrismaClient } from '@concert/db';
import type { Client } from './http.ts';

export interface SaleFixture {
  concertId: number;
  scheduleIds: number[];
  seatCount: number;
}

type Prisma = ReturnType<typeof createPrismaClient>;

/** What the fresh concert of a run looks like; the default is 2 dates of 50 seats. */
export interface SaleShape {
  dates: number;
  seatsPerDate: number;
}

/** The catalog's limits (API.md): seats per section, sections per date, seats per date, dates. */
const SEATS_PER_ROW_MAX = 1000;
const ROWS_MAX = 200;
export const SEATS_PER_DATE_MAX = 20_000;
export const DATES_MAX = 31;
/** Five price tiers, a row each (more rows when a date has more than 5,000 seats). */
const PRICE_TIERS = [50_000, 60_000, 70_000, 80_000, 90_000];

/**
 * The sections of one date: `seats` seats spread over rows A, B, C… of nearly equal length, each row
 * a price tier, so that the run's charges are of several amounts as in a real sale.
 */
export function buildSections(seats: number): { row: string; seats: number; price: number }[] {
  const rows = Math.min(
    ROWS_MAX,
    Math.max(Math.min(PRICE_TIERS.length, seats), Math.ceil(seats / SEATS_PER_ROW_MAX)),
  );
  return Array.from({ length: rows }, (_, k) => ({
    row: rowName(k),
    seats: Math.floor(seats / rows) + (k < seats % rows ? 1 : 0),
    price: PRICE_TIERS[k % PRICE_TIERS.length]!,
  }));
}

/** A, B, … Z, AA, AB, … (spreadsheet columns). */
function rowName(k: number): string {
  let name = '';
  for (let n = k + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * The run's concert. Without `concertId`, a fresh one is created through the booking API's catalog
 * (`POST /v1/admin/concerts`), as an operator would, so that runs never find each other's sold seats.
 * With it, that concert's dates and seats are read from `GET /v1/admin/concerts/{id}`. Users need no
 * preparing: the booking API provisions each on the first request that carries their user token.
 */
export async function prepareSale(
  client: Client,
  opts: { bookingUrl: string; adminKey: string; concertId?: number | undefined; shape: SaleShape },
): Promise<SaleFixture> {
  const headers = { 'x-admin-key': opts.adminKey };
  type Catalog = { concertId: number; schedules: { scheduleId: number; totalSeats: number }[] };
  const { concertId } = opts;
  const res =
    concertId === undefined
      ? await client.call<Catalog>('admin.concert', () =>
          client.booking.POST('/v1/admin/concerts', {
            headers,
            body: {
              name: `On-sale simulation ${new Date().toISOString()}`,
              schedules: Array.from({ length: opts.shape.dates }, (_, d) => ({
                playDate: new Date(Date.UTC(2027, 0, 1 + d)).toISOString().slice(0, 10),
                sections: buildSections(opts.shape.seatsPerDate),
              })),
            },
          }),
        )
      : await client.call<Catalog>('admin.concert', () =>
          client.booking.GET('/v1/admin/concerts/{concertId}', {
            headers,
            params: { path: { concertId: String(concertId) } },
          }),
        );
  if (res.status !== (opts.concertId === undefined ? 201 : 200)) {
    throw new Error(`could not prepare the concert: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return {
    concertId: res.body.concertId,
    scheduleIds: res.body.schedules.map((s) => s.scheduleId),
    seatCount: res.body.schedules.reduce((n, s) => n + s.totalSeats, 0),
  };
}

/** What MySQL says after the run: sold seats, and seats with more than one live reservation. */
export async function auditSale(prisma: Prisma, fixture: SaleFixture) {
  if (fixture.scheduleIds.length === 0) return { sold: 0, doubleBookings: 0, liveHolds: 0 };
  const ids = fixture.scheduleIds.join(',');
  const [sold] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id IN (${ids}) AND status = 'COMPLETED'`,
  );
  const [held] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT COUNT(*) AS n FROM Reservation WHERE concert_schedule_id IN (${ids}) AND status = 'PROGRESS'`,
  );
  const doubles = await prisma.$queryRawUnsafe<{ seat_id: number }[]>(
    `SELECT seat_id FROM Reservation WHERE concert_schedule_id IN (${ids}) AND status IN ('PROGRESS','COMPLETED')
     GROUP BY seat_id HAVING COUNT(*) > 1`,
  );
  return { sold: Number(sold?.n ?? 0), liveHolds: Number(held?.n ?? 0), doubleBookings: doubles.length };
}
