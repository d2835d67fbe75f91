import { createRedis } from '@concert/http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createHoldQueue, EXPIRE_JOB, expiryJobId, type HoldQueue } from '../workers/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    holdExpiry: HoldExpiry;
  }
}

export interface HoldExpiry {
  queue: HoldQueue;
  /** Enqueues the delayed job that expires a hold once `delayMs` has passed. */
  schedule(reservationId: number, delayMs: number): Promise<void>;
  /** Removes the expiry jobs of paid holds. A job it misses is harmless: its update matches no row. */
  cancel(reservationIds: number[]): Promise<void>;
}

/**
 * The BullMQ producer side of hold expiry, on a connection of its own that fails fast like every
 * request-path connection: a hold whose job cannot be enqueued still answers 201 (it is committed),
 * and the sweep expires it instead.
 */
async function holdQueuePlugin(app: FastifyInstance, opts: { url: string; bullPrefix: string }) {
  const connection = createRedis(opts.url, { name: 'booking-api-bullmq', logger: app.log });
  const queue = createHoldQueue(connection, opts.bullPrefix);
  queue.on('error', (err) => app.log.warn({ err: { message: err.message } }, 'hold queue error'));

  app.decorate('holdExpiry', {
    queue,
    async schedule(reservationId, delayMs) {
      await queue.add(
        EXPIRE_JOB,
        { reservationId },
        { jobId: expiryJobId(reservationId), delay: Math.max(0, delayMs) },
      );
    },
    async cancel(reservationIds) {
      await Promise.all(reservationIds.map((id) => queue.remove(expiryJobId(id))));
    },
  } satisfies HoldExpiry);

  app.addHook('onClose', async () => {
    await queue.close().catch(() => undefined);
    await connection.quit().catch(() => connection.disconnect());
  });
}

export default fp(holdQueuePlugin, { name: 'hold-queue', fastify: '5.x' });
