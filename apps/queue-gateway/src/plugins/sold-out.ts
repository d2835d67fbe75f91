import { createPeriodicTask, createThrottledWarn } from '@concert/http';
import { isSoldOutCount, type QueueStatus } from '@concert/queue-core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    soldOut: SoldOutCache;
  }
}

export interface SoldOutCache {
  /** Whether the concert is sold out, from this instance's cache; the first ask for a room reads Redis. */
  isSoldOut(concertId: number): Promise<boolean>;
  /** The cached answer with no wait, or undefined while the room's first read is still to come. */
  peekSoldOut(concertId: number): boolean | undefined;
  /** `status` with `soldOut` on it when it is WAITING. */
  withSoldOut(concertId: number, status: QueueStatus): Promise<QueueStatus>;
  /** Re-reads every cached room now (tests; the timer calls it). */
  refresh(): Promise<void>;
}

export interface SoldOutOptions {
  /** How often each cached room's count is read: the staleness of `soldOut`, at most. */
  refreshMs?: number;
  /** A room nobody asked about for this long leaves the cache. */
  forgetMs?: number;
}

interface Entry {
  isSoldOut: boolean;
  askedAt: number;
}

/**
 * `soldOut` for every poll and stream of one gateway instance, read from the booking API's seats-left
 * count once per room per refresh (250 ms), never once per poll: a hot room's whole crowd costs
 * Redis one GET every 250 ms per instance.
 */
async function soldOutPlugin(app: FastifyInstance, opts: SoldOutOptions) {
  const refreshMs = opts.refreshMs ?? 250;
  const forgetMs = opts.forgetMs ?? 60_000;
  const rooms = new Map<number, Entry>();
  const firstReads = new Map<number, Promise<boolean>>();
  const logFailure = createThrottledWarn(app.log, 'sold-out refresh failed');

  async function refresh() {
    const now = Date.now();
    for (const [concertId, entry] of rooms) if (now - entry.askedAt > forgetMs) rooms.delete(concertId);
    const ids = [...rooms.keys()];
    if (ids.length === 0) return;
    try {
      const counts = await app.queue.readSeatsLeft(ids);
      ids.forEach((concertId, i) => {
        const entry = rooms.get(concertId);
        if (entry) entry.isSoldOut = isSoldOutCount(counts[i] ?? null);
      });
    } catch (err) {
      // Redis down: keep the last known answers; polls fail on their own read anyway.
      logFailure(err);
    }
  }

  async function isSoldOut(concertId: number): Promise<boolean> {
    const entry = rooms.get(concertId);
    if (entry) {
      entry.askedAt = Date.now();
      return entry.isSoldOut;
    }
    let read = firstReads.get(concertId);
    if (!read) {
      read = app.queue
        .readSeatsLeft([concertId])
        .then(([count]) => {
          const value = isSoldOutCount(count ?? null);
          rooms.set(concertId, { isSoldOut: value, askedAt: Date.now() });
          return value;
        })
        .finally(() => firstReads.delete(concertId));
      firstReads.set(concertId, read);
    }
    return read;
  }

  function peekSoldOut(concertId: number): boolean | undefined {
    const entry = rooms.get(concertId);
    if (!entry) return undefined;
    entry.askedAt = Date.now();
    return entry.isSoldOut;
  }

  const cache: SoldOutCache = {
    isSoldOut,
    peekSoldOut,
    async withSoldOut(concertId, status) {
      if (status.status !== 'WAITING') return status;
      return { ...status, soldOut: await isSoldOut(concertId) };
    },
    refresh,
  };
  app.decorate('soldOut', cache);

  const loop = createPeriodicTask({ tick: refresh, intervalMs: refreshMs, onError: logFailure });
  app.addHook('onReady', async () => loop.start());
  app.addHook('preClose', () => loop.stop());
}

export default fp(soldOutPlugin, { name: 'sold-out', dependencies: ['queue'], fastify: '5.x' });
