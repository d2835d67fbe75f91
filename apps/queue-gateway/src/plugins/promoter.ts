import { createPeriodicTask, createThrottledWarn } from '@concert/http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    promoter: { runTick(): Promise<void>; stop(): Promise<void> };
  }
}

export interface PromoterOptions {
  isEnabled: boolean;
  intervalMs: number;
  batchMax: number;
}

/**
 * Ticks every open room's promotion script. Every instance runs one and no leader is elected: each
 * tick is atomic in Redis and the rate and capacity are enforced there, so extra instances only add
 * ticks, never admissions beyond the limits.
 */
async function promoterPlugin(app: FastifyInstance, opts: PromoterOptions) {
  const logFailure = createThrottledWarn(app.log, 'promotion tick failed');

  async function runTick(): Promise<void> {
    for (const concertId of await app.queue.listOpenRooms()) {
      // One room's failure must not stall the others.
      try {
        const r = await app.queue.promoteRoom(concertId, opts.batchMax);
        app.queueMetrics.recordPromotion(concertId, r);
        if (r.admitted + r.idleExpired + r.activeExpired > 0) app.replicas.noteWrite(concertId);
        if (r.admitted + r.idleExpired + r.activeExpired > 0) {
          app.log.debug({ concertId, ...r }, 'promotion tick');
        }
      } catch (err) {
        logFailure(err, { concertId });
      }
    }
  }

  const loop = createPeriodicTask({
    tick: runTick,
    intervalMs: opts.intervalMs,
    onError: (err) => logFailure(err),
  });
  const stop = () => loop.stop();

  app.decorate('promoter', { runTick, stop });
  if (opts.isEnabled) app.addHook('onReady', async () => loop.start());
  // preClose: the promoter stops before requests drain and long before Redis closes.
  app.addHook('preClose', stop);
}

export default fp(promoterPlugin, {
  name: 'promoter',
  dependencies: ['queue', 'queue-metrics', 'replicas'],
  fastify: '5.x',
});
