import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The BullMQ queue of hold expiries: one delayed `expire` job per hold, and the periodic `sweep`. */
export const HOLD_QUEUE = 'hold-expiry';
export const EXPIRE_JOB = 'expire';
export const SWEEP_JOB = 'sweep';
export const SWEEP_SCHEDULER_ID = 'sweep-expired-holds';

export interface HoldJobData {
  /** Set on `expire` jobs; a `sweep` job carries no data. */
  reservationId?: number;
}

export type HoldQueue = Queue<HoldJobData>;

/**
 * The job id of a hold's expiry job. BullMQ refuses custom ids that parse as integers (they would
 * collide with its own numeric ids), so the reservation id gets a prefix.
 */
export function expiryJobId(reservationId: number): string {
  return `hold-${reservationId}`;
}

export function createHoldQueue(connection: Redis, bullPrefix: string): HoldQueue {
  return new Queue<HoldJobData>(HOLD_QUEUE, {
    connection,
    prefix: bullPrefix,
    defaultJobOptions: {
      // Finished jobs are only noise: the reservation row is the record.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      // A failed expiry (MySQL briefly down) runs again; the sweep is the last resort.
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
    },
  });
}
