import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEATS_PER_SCHEDULE, SEED_USER_COUNT, seedDatabase } from '../../../prisma/seed.ts';
import { createPrismaClient, type PrismaClient } from '../src/client.ts';
import { applyMigrations } from '../src/migrate.ts';
import { dropDatabase, getTestDatabaseUrl } from './helpers.ts';

const url = getTestDatabaseUrl('seed');
let prisma: PrismaClient;

beforeAll(async () => {
  await dropDatabase(url);
  await applyMigrations(url);
  prisma = createPrismaClient(url);
});

afterAll(async () => {
  await prisma.$disconnect();
  await dropDatabase(url);
});

async function countRows() {
  return {
    users: await prisma.user.count(),
    balances: await prisma.balance.count(),
    concerts: await prisma.concert.count(),
    schedules: await prisma.concertSchedule.count(),
    seats: await prisma.seat.count(),
  };
}

describe('seedDatabase', () => {
  it('creates users with zero balance and 2 concerts of 2 future dates with 50 seats each', async () => {
    const now = new Date();
    const result = await seedDatabase(prisma, now);

    expect(result.concertIds).toEqual([1, 2]);
    expect(await countRows()).toEqual({
      users: SEED_USER_COUNT,
      balances: SEED_USER_COUNT,
      concerts: 2,
      schedules: 4,
      seats: 4 * SEATS_PER_SCHEDULE,
    });
    const ids = (await prisma.user.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
      (user) => user.id,
    );
    expect(ids[0]).toBe(1);
    expect(ids.at(-1)).toBe(SEED_USER_COUNT);
    expect(await prisma.balance.count({ where: { amount: { not: 0n } } })).toBe(0);

    for (const concertId of result.concertIds) {
      const schedules = await prisma.concertSchedule.findMany({
        where: { concertId },
        include: { seats: true },
      });
      expect(schedules).toHaveLength(2);
      for (const schedule of schedules) {
        expect(schedule.playDate.getTime()).toBeGreaterThan(now.getTime());
        expect(schedule.seats).toHaveLength(SEATS_PER_SCHEDULE);
        expect(new Set(schedule.seats.map((seat) => seat.seatNo)).size).toBe(SEATS_PER_SCHEDULE);
        for (const seat of schedule.seats) {
          expect(seat.price).toBeGreaterThan(0n);
          expect(typeof seat.price).toBe('bigint');
        }
      }
    }
  });

  it('is safe to run again, even a day later, and keeps balances', async () => {
    const before = await countRows();
    const schedulesBefore = await prisma.concertSchedule.findMany({ orderBy: { id: 'asc' } });
    await prisma.balance.update({ where: { userId: 7 }, data: { amount: 5_000n } });

    await seedDatabase(prisma, new Date(Date.now() + 86_400_000));

    expect(await countRows()).toEqual(before);
    expect(await prisma.concertSchedule.findMany({ orderBy: { id: 'asc' } })).toEqual(schedulesBefore);
    expect((await prisma.balance.findUniqueOrThrow({ where: { userId: 7 } })).amount).toBe(5_000n);
  });

  it('writes times in UTC whatever the server time zone', async () => {
    // CURRENT_TIMESTAMP(3) defaults come from the session, which the client sets to UTC.
    const before = Date.now();
    const [row] = await prisma.$queryRaw<{ created_at: Date; tz: string }[]>`
      SELECT created_at, @@session.time_zone AS tz FROM User WHERE user_id = 1`;
    expect(row?.tz).toBe('+00:00');
    expect(Math.abs((row?.created_at.getTime() ?? 0) - before)).toBeLessThan(10 * 60_000);
  });
});
