import type { createPrismaClient } from '@concert/db';

export interface SaleFixture {
  concertId: number;
  scheduleIds: number[];
  seatCount: number;
}

type Prisma = ReturnType<typeof createPrismaClient>;

/**
 * A fresh concert for one run: 2 dates of 50 seats, so that runs never find each other's sold seats.
 * Users userOffset..userOffset+users-1 are created with a zero balance if missing (the seed has 1..1000).
 */
export async function prepareSale(
  prisma: Prisma,
  opts: { users: number; userOffset: number; concertId?: number },
): Promise<SaleFixture> {
  for (let start = opts.userOffset; start < opts.userOffset + opts.users; start += 5000) {
    const ids = Array.from(
      { length: Math.min(5000, opts.userOffset + opts.users - start) },
      (_, i) => start + i,
    );
    await prisma.$executeRawUnsafe(
      `INSERT IGNORE INTO \`User\` (user_id, user_name) VALUES ${ids.map((id) => `(${id}, 'onsale-${id}')`).join(',')}`,
    );
    await prisma.$executeRawUnsafe(
      `INSERT IGNORE INTO \`Balance\` (user_id, \`value\`) VALUES ${ids.map((id) => `(${id}, 0)`).join(',')}`,
    );
  }

  let concertId = opts.concertId;
  if (concertId === undefined) {
    const concert = await prisma.concert.create({
      data: { name: `On-sale simulation ${new Date().toISOString()}` },
    });
    concertId = concert.id;
    const base = Date.UTC(2027, 0, 1) + (concertId % 1000) * 86_400_000 * 3;
    for (const offset of [0, 1]) {
      const schedule = await prisma.concertSchedule.create({
        data: { concertId, playDate: new Date(base + offset * 86_400_000) },
      });
      await prisma.seat.createMany({
        data: Array.from({ length: 50 }, (_, i) => ({
          scheduleId: schedule.id,
          seatNo: `A${i + 1}`,
          price: BigInt(50_000 + 10_000 * (i % 5)),
        })),
      });
    }
  }
  const schedules = await prisma.concertSchedule.findMany({ where: { concertId }, select: { id: true } });
  const scheduleIds = schedules.map((s) => s.id);
  const seatCount = await prisma.seat.count({ where: { scheduleId: { in: scheduleIds } } });
  return { concertId, scheduleIds, seatCount };
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
