import type { PrismaClient } from '@concert/db';
import { LRUCache } from 'lru-cache';

/** A schedule as the hot paths need it: its concert and its seats (ascending ids, with prices). */
export interface CachedSchedule {
  scheduleId: number;
  concertId: number;
  seatIds: Int32Array;
  prices: Float64Array;
}

/** The seat's price, or undefined when the seat is not in this schedule. */
export function seatPrice(schedule: CachedSchedule, seatId: number): number | undefined {
  const { seatIds } = schedule;
  let lo = 0;
  let hi = seatIds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = seatIds[mid]!;
    if (at === seatId) return schedule.prices[mid];
    if (at < seatId) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export interface CatalogCache {
  /** The schedule, from memory after the first request; null for an unknown schedule. */
  schedule(scheduleId: number): Promise<CachedSchedule | null>;
  /** Drops what this instance knows of a schedule (its own catalog writes call it). */
  forget(scheduleId: number): void;
}

export interface CatalogCacheOptions {
  /** Schedules kept (a 20,000-seat date costs about 240 KB). */
  maxSchedules: number;
  /** How long "no such schedule" is remembered, so that a flood of unknown ids costs MySQL little. */
  unknownTtlMs: number;
}

const UNKNOWN = Symbol('unknown schedule');

/**
 * The catalog as the hot paths read it: schedule → concert, and seat → schedule and price. None of it
 * changes after a concert is created (the catalog endpoint only ever inserts a concert with all its
 * dates and seats in one transaction), so an entry never goes stale; only "unknown" could, and it is
 * remembered for `unknownTtlMs` at most. A new concert therefore reaches every instance on its
 * first request there, within `unknownTtlMs` of its creation, without any message between instances.
 *
 * lru-cache's fetch() makes one load per schedule however many requests miss at once.
 */
export function createCatalogCache(prisma: PrismaClient, opts: CatalogCacheOptions): CatalogCache {
  const cache = new LRUCache<number, CachedSchedule | typeof UNKNOWN>({
    max: opts.maxSchedules,
    fetchMethod: async (scheduleId, _stale, { options }) => {
      const found = await loadSchedule(prisma, scheduleId);
      if (found === null) options.ttl = opts.unknownTtlMs;
      return found ?? UNKNOWN;
    },
  });
  return {
    async schedule(scheduleId) {
      const entry = await cache.fetch(scheduleId);
      return entry === undefined || entry === UNKNOWN ? null : entry;
    },
    forget(scheduleId) {
      cache.delete(scheduleId);
    },
  };
}

async function loadSchedule(prisma: PrismaClient, scheduleId: number): Promise<CachedSchedule | null> {
  const schedule = await prisma.concertSchedule.findUnique({
    where: { id: scheduleId },
    select: { concertId: true },
  });
  if (!schedule) return null;
  const seats = await prisma.seat.findMany({
    where: { scheduleId },
    select: { id: true, price: true },
    orderBy: { id: 'asc' },
  });
  return {
    scheduleId,
    concertId: schedule.concertId,
    seatIds: Int32Array.from(seats, (s) => s.id),
    prices: Float64Array.from(seats, (s) => Number(s.price)),
  };
}
