import { createRedis, type RedisTarget } from '@concert/http';
import { ExecutionError, type Lock, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { seatUnavailable, unavailable } from '../errors.ts';
import type { SeatLocks } from '../services/holds.ts';

declare module 'fastify' {
  interface FastifyInstance {
    seatLocks: SeatLocks;
  }
}

function isLockedByOther(error: unknown): boolean {
  if (!(error instanceof ExecutionError)) return false;
  // With one Redis and no retries there is one attempt; its vote against says why.
  return error.attempts.length > 0;
}

async function lockedReason(error: ExecutionError): Promise<'locked' | 'unavailable'> {
  for (const attempt of error.attempts) {
    const stats = await attempt;
    for (const reason of stats.votesAgainst.values()) {
      if (reason instanceof ResourceLockedError) return 'locked';
    }
  }
  return 'unavailable';
}

/**
 * Redlock for seat holds. The lock spares MySQL the pile-up of a hot seat (concurrent INSERTs on one
 * unique key wait on each other's row locks and can deadlock); correctness never depends on it: the
 * live_seat_id unique key refuses a second live reservation whatever happens to a lease.
 *
 * It runs on a connection of its own: Redlock defines `extendLock` and `releaseLock` scripts on the
 * client it is given, and BullMQ defines scripts of the same names with other arguments, so a shared
 * connection would run one library's script for the other.
 */
async function redlockPlugin(app: FastifyInstance, opts: { target: RedisTarget; leaseMs: number }) {
  const redis = createRedis(opts.target, { name: 'booking-api-locks', logger: app.log, forRedlock: true });
  await redis.connect();
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  const redlock = new Redlock([redis], { retryCount: 0, driftFactor: 0.01 });

  app.decorate('seatLocks', {
    leaseMs: opts.leaseMs,
    async withSeatLock<T>(
      seatId: number,
      work: () => Promise<T>,
      options: { keepOnSuccess?: boolean } = {},
    ): Promise<T> {
      let lock: Lock;
      try {
        lock = await redlock.acquire([app.queue.keys.seatLock(seatId)], opts.leaseMs);
      } catch (error) {
        if (isLockedByOther(error) && (await lockedReason(error as ExecutionError)) === 'locked') {
          throw seatUnavailable();
        }
        throw unavailable('the seat lock service is unavailable; retry shortly', 2);
      }
      let result: T;
      try {
        result = await work();
      } catch (error) {
        // A failed release only leaves the lease to run out; the seat's state is already in MySQL.
        await lock.release().catch(() => undefined);
        throw error;
      }
      if (!options.keepOnSuccess) await lock.release().catch(() => undefined);
      return result;
    },
  } satisfies SeatLocks);
}

export default fp(redlockPlugin, { name: 'redlock', dependencies: ['redis', 'token-gate'], fastify: '5.x' });
