// The invariants the database itself guards, whatever the application does: one live reservation
// per seat (live_seat_id's UNIQUE index) and no negative balance (CHECK).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/client.ts';
import { applyMigrations } from '../src/migrate.ts';
import { dropDatabase, getTestDatabaseUrl, queryDatabase } from './helpers.ts';

const url = getTestDatabaseUrl('constraints');
let prisma: PrismaClient;
let userId: number;
let otherUserId: number;
let scheduleId: number;
let seatId: number;

beforeAll(async () => {
  await dropDatabase(url);
  await applyMigrations(url);
  prisma = createPrismaClient(url, { poolSize: 10 });
  const [user, other] = await Promise.all([
    prisma.user.create({ data: { name: 'alice', balance: { create: {} } } }),
    prisma.user.create({ data: { name: 'bob', balance: { create: {} } } }),
  ]);
  userId = user.id;
  otherUserId = other.id;
  const concert = await prisma.concert.create({
    data: { name: 'constraint test', schedules: { create: { playDate: new Date('2030-01-01T00:00:00Z') } } },
    include: { schedules: true },
  });
  const schedule = concert.schedules[0];
  if (!schedule) throw new Error('no schedule');
  scheduleId = schedule.id;
});

beforeEach(async () => {
  // A fresh seat per test, so tests do not see each other's reservations.
  const seat = await prisma.seat.create({
    data: {
      scheduleId,
      seatNo: `S${Date.now()}${Math.floor(Math.random() * 1e6)}`.slice(0, 16),
      price: 50_000n,
    },
  });
  seatId = seat.id;
});

afterAll(async () => {
  await prisma.$disconnect();
  await dropDatabase(url);
});

function holdSeat(forUserId: number, status: 'PROGRESS' | 'COMPLETED' | 'EXPIRED' = 'PROGRESS') {
  return prisma.reservation.create({
    data: {
      userId: forUserId,
      scheduleId,
      seatId,
      price: 50_000n,
      status,
      expiresAt: new Date(Date.now() + 300_000),
    },
  });
}

describe('one live reservation per seat', () => {
  it('computes live_seat_id from status: the seat while live, NULL once expired', async () => {
    const hold = await holdSeat(userId);
    expect(hold.liveSeatId).toBe(seatId);

    const expired = await prisma.reservation.update({ where: { id: hold.id }, data: { status: 'EXPIRED' } });
    expect(expired.liveSeatId).toBeNull();
  });

  it('rejects a second PROGRESS reservation for a held seat', async () => {
    await holdSeat(userId);
    await expect(holdSeat(otherUserId)).rejects.toMatchObject({ code: 'P2002' });
  });

  it('rejects a PROGRESS reservation for a sold (COMPLETED) seat', async () => {
    const hold = await holdSeat(userId);
    await prisma.reservation.update({
      where: { id: hold.id },
      data: { status: 'COMPLETED', confirmedAt: new Date() },
    });
    await expect(holdSeat(otherUserId)).rejects.toMatchObject({ code: 'P2002' });
  });

  it('allows a new hold once the previous one is EXPIRED, any number of times', async () => {
    const first = await holdSeat(userId);
    await prisma.reservation.update({ where: { id: first.id }, data: { status: 'EXPIRED' } });
    const second = await holdSeat(otherUserId);
    await prisma.reservation.update({ where: { id: second.id }, data: { status: 'EXPIRED' } });
    const third = await holdSeat(userId);

    expect(third.liveSeatId).toBe(seatId);
    expect(await prisma.reservation.count({ where: { seatId } })).toBe(3);
    expect(
      await prisma.reservation.count({ where: { seatId, status: { in: ['PROGRESS', 'COMPLETED'] } } }),
    ).toBe(1);
  });

  it('rejects reviving an EXPIRED reservation while another is live', async () => {
    const first = await holdSeat(userId);
    await prisma.reservation.update({ where: { id: first.id }, data: { status: 'EXPIRED' } });
    await holdSeat(otherUserId);
    await expect(
      prisma.reservation.update({ where: { id: first.id }, data: { status: 'PROGRESS' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it('lets exactly one of many concurrent holds on one seat succeed', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => holdSeat(index % 2 ? userId : otherUserId)),
    );

    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === 'rejected') expect(attempt.reason).toMatchObject({ code: 'P2002' });
    }
    expect(await prisma.reservation.count({ where: { seatId } })).toBe(1);
  });

  it('is enforced below Prisma too: raw SQL cannot insert a second live row', async () => {
    await holdSeat(userId);
    await expect(
      queryDatabase(
        url,
        `INSERT INTO Reservation (user_id, concert_schedule_id, seat_id, seat_price, status, expires_at)
         VALUES (?, ?, ?, 50000, 'COMPLETED', NOW(3))`,
        [otherUserId, scheduleId, seatId],
      ),
    ).rejects.toThrow(/Duplicate entry/);
  });
});

describe('balance never below zero', () => {
  it('rejects setting a negative balance', async () => {
    await expect(prisma.balance.update({ where: { userId }, data: { amount: -1n } })).rejects.toThrow(
      /Balance_value_check/,
    );
    expect((await prisma.balance.findUniqueOrThrow({ where: { userId } })).amount).toBe(0n);
  });

  it('rejects a decrement past zero and keeps the balance', async () => {
    await prisma.balance.update({ where: { userId: otherUserId }, data: { amount: 1_000n } });
    await expect(
      prisma.balance.update({ where: { userId: otherUserId }, data: { amount: { decrement: 1_001n } } }),
    ).rejects.toThrow(/Balance_value_check/);
    expect((await prisma.balance.findUniqueOrThrow({ where: { userId: otherUserId } })).amount).toBe(1_000n);

    await prisma.balance.update({ where: { userId: otherUserId }, data: { amount: { decrement: 1_000n } } });
    expect((await prisma.balance.findUniqueOrThrow({ where: { userId: otherUserId } })).amount).toBe(0n);
  });

  it('is enforced below Prisma too', async () => {
    await expect(
      queryDatabase(url, 'UPDATE Balance SET `value` = `value` - 1 WHERE user_id = ?', [userId]),
    ).rejects.toThrow(/Balance_value_check/);
  });
});
