import { LRUCache } from 'lru-cache';

export interface SeatListCache {
  /** A schedule's seat list as JSON, at most `ttlMs` old. */
  get(scheduleId: number): Promise<Buffer>;
  /** Forgets a schedule's list: this instance just changed one of its seats. */
  invalidate(scheduleId: number): void;
}

/**
 * A micro-cache of seat lists. Under a crowd every ACTIVE fan reloads the seat map of the same date:
 * 20,000 rows per list. Within `ttlMs` they share one query and one serialization (lru-cache's fetch()
 * runs one load per key however many ask at once). A hold's own answer is always authoritative, never
 * this list; a list is at most `ttlMs` behind other instances' holds, and this instance's own holds and
 * releases drop it at once. `ttlMs` 0 turns the cache off.
 */
export function createSeatListCache(
  load: (scheduleId: number) => Promise<Buffer>,
  opts: { ttlMs: number; maxSchedules: number },
): SeatListCache {
  if (opts.ttlMs <= 0) return { get: load, invalidate() {} };
  const cache = new LRUCache<number, Buffer>({
    max: opts.maxSchedules,
    ttl: opts.ttlMs,
    // Age from the answer: a slow query does not shorten its entry's life.
    ttlAutopurge: false,
    fetchMethod: (scheduleId) => load(scheduleId),
  });
  return {
    async get(scheduleId) {
      const list = await cache.fetch(scheduleId);
      return list ?? load(scheduleId);
    },
    invalidate(scheduleId) {
      cache.delete(scheduleId);
    },
  };
}
