import { createRedis, type RedisTarget } from '@concert/http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HoldExpiry } from '../services/holds.ts';
import { bucketJobId, createHoldQueue, EXPIRE_JOB, expiryBucket } from '../workers/queues.ts';

declare module 'fastify' {
  interface FastifyInstance {
    holdExpiry: HoldExpiry;
  }
}

/** After its second ends, a bucket's job waits this much more, for the last holds' commits. */
const BUCKET_SLACK_MS = 20;

/**
 * The BullMQ producer side of hold expiry, on a connection of its own that fails fast like every
 * request-path connection: a hold whose bucket cannot be enqueued still answers 201 (it is committed),
 * and the sweep expires it instead.
 */
async function holdQueuePlugin(app: FastifyInstance, opts: { target: RedisTarget; bullPrefix: string }) {
  const connection = createRedis(opts.target, { name: 'booking-api-bullmq', logger: app.log });
  const queue = createHoldQueue(connection, opts.bullPrefix);
  queue.on('error', (err) => app.log.warn({ err: { message: err.message } }, 'hold queue error'));
  /** Buckets this instance enqueued (or is enqueueing), until their second has passed. */
  const enqueued = new Map<number, Promise<unknown>>();

  app.decorate('holdExpiry', {
    queue,
    async schedule(msUntilExpiry) {
      const now = Date.now();
      const bucket = expiryBucket(now + Math.max(0, msUntilExpiry));
      const pending = enqueued.get(bucket);
      if (pending) return;
      for (const past of enqueued.keys()) if (past * 1000 < now) enqueued.delete(past);
      const adding = queue.add(
        EXPIRE_JOB,
        { bucket },
        { jobId: bucketJobId(bucket), delay: Math.max(0, bucket * 1000 + BUCKET_SLACK_MS - now) },
      );
      enqueued.set(bucket, adding);
      try {
        await adding;
      } catch (error) {
        // The next hold of this second tries again.
        enqueued.delete(bucket);
        throw error;
      }
    },
  } satisfies HoldExpiry);

  app.addHook('onClose', async () => {
    await queue.close().catch(() => undefined);
    await connection.quit().catch(() => connection.disconnect());
  });
}

export default fp(holdQueuePlugin, { name: 'hold-queue', fastify: '5.x' });
