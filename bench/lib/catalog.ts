import type { PrismaClient } from '@concert/db';

/** One date of a concert the bench created, with its seats' ids in seat-number order (A1, A2, …). */
export interface CatalogDate {
  concertId: number;
  scheduleId: number;
  seatIds: number[];
}

/** The catalog endpoint's limits of dates per concert and seats per section (API.md). */
const DATES_PER_CONCERT = 31;
const SEATS_PER_SECTION = 1000;

/**
 * `dates` dates of `seats` seats each (rows A, B, … of up to 1,000 seats, at one price), created through the booking API's
 * `POST /v1/admin/concerts` as an operator would, 31 dates (the endpoint's limit) to a concert. The
 * endpoint answers schedule ids only, so the seat ids are read back from MySQL. Returns the dates in
 * order.
 */
export async function createConcertsOverHttp(
  prisma: PrismaClient,
  opts: { apiUrl: string; adminKey: string; name: string; dates: number; seats: number; price: number },
): Promise<CatalogDate[]> {
  const playDate = (n: number) => new Date(Date.UTC(2027, 0, 1 + n)).toISOString().slice(0, 10);
  const created: { concertId: number; scheduleId: number }[] = [];
  for (let first = 0; first < opts.dates; first += DATES_PER_CONCERT) {
    const count = Math.min(DATES_PER_CONCERT, opts.dates - first);
    const res = await fetch(`${opts.apiUrl}/v1/admin/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': opts.adminKey },
      body: JSON.stringify({
        name: `${opts.name} ${first / DATES_PER_CONCERT + 1}`,
        schedules: Array.from({ length: count }, (_, d) => ({
          playDate: playDate(d),
          sections: Array.from({ length: Math.ceil(opts.seats / SEATS_PER_SECTION) }, (_, k) => ({
            row: String.fromCharCode(65 + k),
            seats: Math.min(SEATS_PER_SECTION, opts.seats - k * SEATS_PER_SECTION),
            price: opts.price,
          })),
        })),
      }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 201) throw new Error(`create concert: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { concertId: number; schedules: { scheduleId: number }[] };
    for (const s of body.schedules) created.push({ concertId: body.concertId, scheduleId: s.scheduleId });
  }

  const seatIds = new Map<number, number[]>(created.map((d) => [d.scheduleId, []]));
  const CHUNK = 500;
  for (let i = 0; i < created.length; i += CHUNK) {
    const ids = created.slice(i, i + CHUNK).map((d) => d.scheduleId);
    const rows = await prisma.$queryRawUnsafe<{ seatId: number; scheduleId: number; seatNo: string }[]>(
      `SELECT seat_id AS seatId, concert_schedule_id AS scheduleId, seat_no AS seatNo FROM Seat
        WHERE concert_schedule_id IN (${ids.join(',')})`,
    );
    for (const row of rows)
      seatIds.get(Number(row.scheduleId))![
        (row.seatNo.charCodeAt(0) - 65) * SEATS_PER_SECTION + Number(row.seatNo.slice(1)) - 1
      ] = Number(row.seatId);
  }
  return created.map((d) => {
    const seats = seatIds.get(d.scheduleId)!;
    const found = seats.filter(Number.isInteger).length;
    if (found !== opts.seats || seats.length !== opts.seats) {
      throw new Error(`schedule ${d.scheduleId}: ${found} of ${opts.seats} seats in MySQL`);
    }
    return { ...d, seatIds: seats };
  });
}
