import type { BookingConfig } from '@concert/config';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { listSeats } from '../services/catalog.ts';
import { type CatalogCache, createCatalogCache } from '../services/catalog-cache.ts';
import { createSeatChanges, type SeatChanges } from '../services/seat-changes.ts';
import { createSeatListCache, type SeatListCache } from '../services/seat-list-cache.ts';
import { createSeatsLeftWriter, type SeatsLeftWriter } from '../services/seats-left.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Schedule → concert and seat → price, in memory (the catalog never changes after creation). */
    catalog: CatalogCache;
    /** The seat lists' micro-cache. */
    seatLists: SeatListCache;
    /** Where holds and releases are told, for everything derived from seat states. */
    seatChanges: SeatChanges;
    /** Each concert's count of seats left in Redis: the waiting room's `soldOut`. */
    seatsLeft: SeatsLeftWriter;
  }
}

/** The in-process views of the catalog, and the hub that keeps the derived ones current. */
async function catalogPlugin(app: FastifyInstance, opts: { config: BookingConfig }) {
  const { config } = opts;
  const seatsLeft = createSeatsLeftWriter(app.redis, config.REDIS_KEY_PREFIX, app.log);
  app.decorate('seatsLeft', seatsLeft);
  app.decorate(
    'catalog',
    createCatalogCache(app.prisma, {
      maxSchedules: config.CATALOG_CACHE_SCHEDULES,
      unknownTtlMs: config.CATALOG_UNKNOWN_TTL_MS,
    }),
  );
  const seatLists = createSeatListCache(
    async (scheduleId) => Buffer.from(JSON.stringify(await listSeats(app.prisma, scheduleId))),
    { ttlMs: config.SEAT_LIST_CACHE_MS, maxSchedules: config.CATALOG_CACHE_SCHEDULES },
  );
  app.decorate('seatLists', seatLists);
  app.decorate(
    'seatChanges',
    createSeatChanges([
      {
        held: (change) => seatLists.invalidate(change.scheduleId),
        sold: (changes) => {
          for (const c of changes) seatLists.invalidate(c.scheduleId);
        },
        released: (changes) => {
          for (const c of changes) seatLists.invalidate(c.scheduleId);
        },
      },
      seatsLeft.listener,
    ]),
  );
}

export default fp(catalogPlugin, { name: 'catalog', dependencies: ['prisma', 'redis'], fastify: '5.x' });
