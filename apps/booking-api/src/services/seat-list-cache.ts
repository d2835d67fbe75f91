export interface SeatListCache {
  /** A schedule's seat list as JSON, at most `ttlMs` old. */
  get(scheduleId: number): Promise<Buffer>;
  /** Forgets a schedule's list: this instance just changed one of its seats. */
  invalidate(scheduleId: number): void;
}

interface Entry {
  /** performance.now() past which the list is reloaded; Infinity while it loads. */
  expiresAt: number;
  list: Promise<Buffer>;
}

/**
 * A micro-cache of seat lists. Under a crowd every ACTIVE fan reloads the seat map of the same date:
 * 20,000 rows per list. Within `ttlMs` they share one query and one serialization, and requests that
 * arrive while it loads wait for that one load. A hold's own answer is always authoritative, never
 * this list; a list is at most `ttlMs` behind other instances' holds, and this instance's own holds,
 * sales and releases drop it at once. `ttlMs` 0 turns the cache off.
 *
 * Written here rather than with lru-cache's fetch(): deleting a key there aborts the load in flight
 * and rejects every request waiting on it, and an invalidation must instead only make the next
 * request load afresh.
 */
export function createSeatListCache(
  load: (scheduleId: number) => Promise<Buffer>,
  opts: { ttlMs: number; maxSchedules: number },
): SeatListCache {
  if (opts.ttlMs <= 0) return { get: load, invalidate() {} };
  const entries = new Map<number, Entry>();

  function prune(now: number) {
    for (const [id, e] of entries) if (e.expiresAt <= now) entries.delete(id);
    // Still too many (all fresh): drop the oldest inserted.
    for (const id of entries.keys()) {
      if (entries.size < opts.maxSchedules) break;
      entries.delete(id);
    }
  }

  return {
    get(scheduleId) {
      const now = performance.now();
      const cached = entries.get(scheduleId);
      if (cached && cached.expiresAt > now) return cached.list;
      if (entries.size >= opts.maxSchedules) prune(now);
      const entry: Entry = { expiresAt: Number.POSITIVE_INFINITY, list: load(scheduleId) };
      entries.set(scheduleId, entry);
      entry.list.then(
        () => {
          entry.expiresAt = performance.now() + opts.ttlMs;
        },
        () => {
          // A failed load is not kept: the next request tries again.
          if (entries.get(scheduleId) === entry) entries.delete(scheduleId);
        },
      );
      return entry.list;
    },
    invalidate(scheduleId) {
      entries.delete(scheduleId);
    },
  };
}
