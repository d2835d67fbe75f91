// Demo data that clients rely on (shared/API.md): users 1..1000 with zero balance, and 2 concerts
// with 2 future dates of 50 seats each. Safe to run any number of times: every insert is
// INSERT IGNORE on a fixed key, so a second run adds nothing and never resets a balance.
import type { PrismaClient } from '../packages/db/src/index.ts';

export const SEED_USER_COUNT = 1000;
export const SEED_CONCERT_IDS = [1, 2] as const;
export const SEATS_PER_SCHEDULE = 50;

const CONCERTS = [
  { id: 1, name: 'Aurora Live in Seoul', scheduleIds: [1, 2], daysAhead: [30, 31] },
  { id: 2, name: 'Midnight Orchestra Tour', scheduleIds: [3, 4], daysAhead: [60, 61] },
] as const;

export interface SeedResult {
  concertIds: number[];
  scheduleIds: number[];
}

export async function seedDatabase(prisma: PrismaClient, now: Date = new Date()): Promise<SeedResult> {
  const userIds = Array.from({ length: SEED_USER_COUNT }, (_, index) => index + 1);
  await prisma.user.createMany({
    data: userIds.map((id) => ({ id, name: `user-${id}` })),
    skipDuplicates: true,
  });
  await prisma.balance.createMany({
    data: userIds.map((userId) => ({ userId, amount: 0n })),
    skipDuplicates: true,
  });

  await prisma.concert.createMany({
    data: CONCERTS.map(({ id, name }) => ({ id, name })),
    skipDuplicates: true,
  });
  // Fixed schedule ids make the dates idempotent: a later run computes later dates, but the rows
  // with these ids already exist and keep the dates of the first run.
  await prisma.concertSchedule.createMany({
    data: CONCERTS.flatMap((concert) =>
      concert.scheduleIds.map((id, index) => ({
        id,
        concertId: concert.id,
        playDate: addUtcDays(now, concert.daysAhead[index] ?? 30),
      })),
    ),
    skipDuplicates: true,
  });
  const scheduleIds = CONCERTS.flatMap((concert) => [...concert.scheduleIds]);
  await prisma.seat.createMany({
    data: scheduleIds.flatMap((scheduleId) =>
      Array.from({ length: SEATS_PER_SCHEDULE }, (_, index) => ({
        scheduleId,
        seatNo: `A${index + 1}`,
        price: priceOfSeat(index + 1),
      })),
    ),
    skipDuplicates: true,
  });

  return { concertIds: [...SEED_CONCERT_IDS], scheduleIds };
}

// Front rows cost more: A1-A10 150,000 KRW, A11-A30 100,000, A31-A50 50,000.
function priceOfSeat(seatNumber: number): bigint {
  if (seatNumber <= 10) return 150_000n;
  if (seatNumber <= 30) return 100_000n;
  return 50_000n;
}

function addUtcDays(from: Date, days: number): Date {
  return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + days));
}
