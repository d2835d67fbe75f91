import type { BookingConfig } from '@concert/config';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { startWorkers, type WorkerRuntime } from '../workers/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The inline workers, or null when they run as their own process (WORKERS_INLINE=false). */
    workers: WorkerRuntime | null;
  }
}

/**
 * Runs the workers inside the API when WORKERS_INLINE is true. They start once the app is ready and
 * stop in preClose: before requests drain and long before Prisma and Redis close.
 */
async function workersPlugin(app: FastifyInstance, opts: { config: BookingConfig }) {
  app.decorate('workers', null);
  if (!opts.config.WORKERS_INLINE) return;
  app.addHook('onReady', async () => {
    app.workers = await startWorkers({
      config: opts.config,
      prisma: app.prisma,
      logger: app.log,
      // The workers move the seats-left counts themselves (so does a worker of its own); here the
      // API's own views learn of the releases.
      onHoldReleased: (released) => {
        app.bookingMetrics.observeHoldRelease(released);
        for (const r of released) app.seatLists.invalidate(r.scheduleId);
      },
    });
  });
  app.addHook('preClose', async () => {
    await app.workers?.close();
  });
}

export default fp(workersPlugin, {
  name: 'workers',
  dependencies: ['prisma', 'booking-metrics', 'catalog'],
  fastify: '5.x',
});
