import type { PrismaClient } from '@concert/db';
import { adjustSeatsLeft, registerQueueScripts, seatsLeftKey, setSeatsLeft } from '@concert/queue-core';
import type { Redis } from 'ioredis';
import type { SeatChange, SeatChangeListener } from './seat-changes.ts';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * The booking side of the waiting room's `soldOut`: each concert's count of seats without a live
 * reservation, in Redis (`seatsLeftKey`), moved by one INCRBY per change and never by a scan. A hold
 * takes one, a release gives back what it released, a sale changes nothing (its hold took the seat).
 * A failed write is logged and left to the reconcile below.
 */
export function createSeatsLeftWriter(redis: Redis, prefix: string, log: Logger) {
  // Now, before the connection carries anything: never on the first adjustment (see registerQueueScripts).
  registerQueueScripts(redis);
  const adjust = (concertId: number, delta: number) => {
    adjustSeatsLeft(redis, concertId, delta, prefix).catch((err: unknown) =>
      log.warn({ err, concertId, delta }, 'could not adjust the seats-left count'),
    );
  };
  const listener: SeatChangeListener = {
    held: (change) => adjust(change.concertId, -change.seats),
    released: (changes: SeatChange[]) => {
      const byConcert = new Map<number, number>();
      for (const c of changes) byConcert.set(c.concertId, (byConcert.get(c.concertId) ?? 0) + c.seats);
      for (const [concertId, seats] of byConcert) adjust(concertId, seats);
    },
  };
  return {
    listener,
    /** A new concert's count: all its seats. */
    set: (concertId: number, seats: number) => setSeatsLeft(redis, concertId, seats, prefix),
    /**
     * Sets the count of every concert that has none (never set, or Redis lost it) from MySQL: seats
     * minus live reservations, the same quantity the deltas move. Run by the workers at start and with
     * each sweep; a count that exists is left to its deltas.
     */
    async fillMissing(prisma: PrismaClient): Promise<number> {
      const concerts = await prisma.concert.findMany({ select: { id: true } });
      const missing: number[] = [];
      await Promise.all(
        concerts.map(async ({ id }) => {
          if ((await redis.exists(seatsLeftKey(id, prefix))) === 0) missing.push(id);
        }),
      );
      if (missing.length === 0) return 0;
      const rows = await prisma.$queryRawUnsafe<{ concertId: number; available: bigint | number }[]>(
        `SELECT cs.concert_id AS concertId, COUNT(s.seat_id) - COUNT(r.reservation_id) AS available
           FROM Concert_Schedule cs
           JOIN Seat s ON s.concert_schedule_id = cs.concert_schedule_id
           LEFT JOIN Reservation r ON r.live_seat_id = s.seat_id
          WHERE cs.concert_id IN (${missing.map(() => '?').join(', ')})
          GROUP BY cs.concert_id`,
        ...missing,
      );
      // SET NX: a count that appeared meanwhile (a concert just created) is the newer truth.
      await Promise.all(
        rows.map((r) => redis.set(seatsLeftKey(Number(r.concertId), prefix), Number(r.available), 'NX')),
      );
      return rows.length;
    },
  };
}

export type SeatsLeftWriter = ReturnType<typeof createSeatsLeftWriter>;
