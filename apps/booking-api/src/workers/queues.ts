import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The BullMQ queue of hold expiries: one delayed `expire` job per second of `expires_at` (a bucket,
 * shared by every hold due in that second, from every instance), and the periodic `sweep`.
 */
export const HOLD_QUEUE = 'hold-expiry';
export const EXPIRE_JOB = 'expire';
export const SWEEP_JOB = 'sweep';
export const SWEEP_SCHEDULER_ID = 'sweep-expired-holds';

export interface HoldJobData {
  /** Set on `expire` jobs: the bucket, a Unix second; its holds are due by then. No data on `sweep`. */
  bucket?: number;
}

export type HoldQueue = Queue<HoldJobData>;

/** The second whose start a hold due at `dueAtMs` (Unix ms) is due by: its bucket. */
export function expiryBucket(dueAtMs: number): number {
  return Math.ceil(dueAtMs / 1000);
}

/**
 * The job id of a bucket. The same id from every instance makes BullMQ keep one job per bucket; it
 * refuses custom ids that parse as integers, hence the prefix.
 */
export function bucketJobId(bucket: number): string {
  return `expire-${bucket}`;
}

export function createHoldQueue(connection: Redis, bullPrefix: string): HoldQueue {
  return new Queue<HoldJobData>(HOLD_QUEUE, {
    connection,
    prefix: bullPrefix,
    defaultJobOptions: {
      // Finished jobs are only noise: the reservation rows are the record.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      // A failed expiry (MySQL briefly down) runs again; the sweep is the last resort.
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
    },
  });
}
