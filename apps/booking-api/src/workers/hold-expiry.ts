import { Prisma, type PrismaClient } from '@concert/db';
import { DelayedError, type Job } from 'bullmq';
import { EXPIRE_JOB, type HoldJobData, SWEEP_JOB } from './queues.ts';

/** Holds released per transaction, and transactions per run: bounded work per run. */
const SWEEP_BATCH = 1000;
const SWEEP_MAX_BATCHES = 20;

/** A hold the sweep just released, and how late: seconds from its expiresAt, on MySQL's clock. */
export interface ReleasedHold {
  scheduleId: number;
  concertId: number;
  latenessSeconds: number;
}

/**
 * Told, after holds were released, which and how late (the contract allows 2 s). Feeds
 * `booking_hold_release_lateness_seconds`, the seat-list cache and the waiting room's `soldOut`.
 */
export type HoldReleaseObserver = (released: ReleasedHold[]) => void;

/**
 * Expires PROGRESS holds past expires_at, the first due first, in transactions of SWEEP_BATCH rows.
 * The rows are locked (SKIP LOCKED: a payment holding one keeps it) and then released by id with the
 * condition repeated, so a hold paid meanwhile is never expired, and the observer is told exactly the
 * rows that changed. READ COMMITTED: no gap locks, so holds being made are never blocked. Every
 * comparison uses the database clock, the clock that set expires_at.
 */
export async function sweepExpiredHolds(
  prisma: PrismaClient,
  onReleased?: HoldReleaseObserver,
): Promise<{ released: number; more: boolean }> {
  let released = 0;
  for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
    const batch = await prisma.$transaction(
      async (tx) => {
        const due = await tx.$queryRaw<{ id: number; scheduleId: number; late: bigint | number }[]>`
          SELECT reservation_id AS id, concert_schedule_id AS scheduleId,
                 TIMESTAMPDIFF(MICROSECOND, expires_at, NOW(3)) AS late
            FROM Reservation WHERE status = 'PROGRESS' AND expires_at <= NOW(3)
           ORDER BY expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED`;
        if (due.length === 0) return [];
        await tx.$executeRaw`
          UPDATE Reservation SET status = 'EXPIRED'
           WHERE reservation_id IN (${Prisma.join(due.map((d) => d.id))})
             AND status = 'PROGRESS' AND expires_at <= NOW(3)`;
        return due;
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted, maxWait: 10_000, timeout: 30_000 },
    );
    released += batch.length;
    if (batch.length > 0 && onReleased) onReleased(await describeReleased(prisma, batch));
    if (batch.length < SWEEP_BATCH) return { released, more: false };
  }
  return { released, more: true };
}

async function describeReleased(
  prisma: PrismaClient,
  rows: { scheduleId: number; late: bigint | number }[],
): Promise<ReleasedHold[]> {
  const scheduleIds = [...new Set(rows.map((r) => Number(r.scheduleId)))];
  const schedules = await prisma.concertSchedule.findMany({
    where: { id: { in: scheduleIds } },
    select: { id: true, concertId: true },
  });
  const concertOf = new Map(schedules.map((s) => [s.id, s.concertId]));
  return rows.map((r) => ({
    scheduleId: Number(r.scheduleId),
    concertId: concertOf.get(Number(r.scheduleId)) ?? 0,
    latenessSeconds: Number(r.late) / 1e6,
  }));
}

/** Milliseconds until the first still-PROGRESS hold of a bucket is due on MySQL's clock, or null. */
async function msUntilBucketDue(prisma: PrismaClient, bucket: number): Promise<number | null> {
  const [row] = await prisma.$queryRaw<{ remaining: bigint | number | null }[]>`
    SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), MIN(expires_at)) AS remaining FROM Reservation
     WHERE status = 'PROGRESS' AND expires_at > NOW(3) AND expires_at <= FROM_UNIXTIME(${bucket})`;
  if (row?.remaining === null || row?.remaining === undefined) return null;
  return Math.max(1, Math.ceil(Number(row.remaining) / 1000));
}

/**
 * A bucket's job sweeps what is due; the sweep job does the same as a backstop, for holds whose bucket
 * was never enqueued or was lost (a crash between commit and enqueue, Redis losing its data).
 */
export function createHoldProcessor(
  prisma: PrismaClient,
  onReleased?: HoldReleaseObserver,
  afterSweep?: () => Promise<unknown>,
) {
  return async function processHoldJob(job: Job<HoldJobData>, token?: string): Promise<{ expired: number }> {
    if (job.name === SWEEP_JOB) {
      const { released } = await sweepExpiredHolds(prisma, onReleased);
      await afterSweep?.();
      return { expired: released };
    }
    if (job.name !== EXPIRE_JOB || job.data.bucket === undefined) return { expired: 0 };

    const { released, more } = await sweepExpiredHolds(prisma, onReleased);
    // More due than one run takes, or holds of this bucket not yet due on MySQL's clock (Redis's clock
    // ran ahead of it): the job waits for them instead of leaving them to the sweep.
    const remainingMs = more ? 1 : await msUntilBucketDue(prisma, job.data.bucket);
    if (remainingMs !== null && token !== undefined) {
      await job.moveToDelayed(Date.now() + remainingMs, token);
      throw new DelayedError();
    }
    return { expired: released };
  };
}
