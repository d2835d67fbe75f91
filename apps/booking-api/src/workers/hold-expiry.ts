import type { PrismaClient } from '@concert/db';
import { DelayedError, type Job } from 'bullmq';
import { EXPIRE_JOB, type HoldJobData, SWEEP_JOB } from './queues.ts';

/** Holds the sweep expires per statement, and statements per run: bounded work per run. */
const SWEEP_BATCH = 1000;
const SWEEP_MAX_BATCHES = 20;

/**
 * Told, after holds were released, how late each was: seconds from its `expiresAt` to its release on
 * MySQL's clock (the contract allows 2 s). Feeds `booking_hold_release_lateness_seconds`.
 */
export type HoldReleaseObserver = (latenessSeconds: number[]) => void;

type Lateness = { late: bigint | number };
const toSeconds = (rows: Lateness[]) => rows.map((r) => Number(r.late) / 1e6);

/**
 * Expires one hold if it is still unpaid and due. The condition makes the job harmless when it runs
 * late, twice, or after a payment: the row is then not PROGRESS, or not due, and nothing changes.
 * Every comparison uses the database clock, the clock that set expires_at.
 */
export async function expireHold(
  prisma: PrismaClient,
  reservationId: number,
  onReleased?: HoldReleaseObserver,
): Promise<boolean> {
  const changed = await prisma.$executeRaw`
    UPDATE Reservation SET status = 'EXPIRED'
     WHERE reservation_id = ${reservationId} AND status = 'PROGRESS' AND expires_at <= NOW(3)`;
  if (changed > 0 && onReleased) {
    // Read right after the release: a round trip later than it, which the histogram's buckets dwarf.
    onReleased(
      toSeconds(
        await prisma.$queryRaw<Lateness[]>`
        SELECT TIMESTAMPDIFF(MICROSECOND, expires_at, NOW(3)) AS late
          FROM Reservation WHERE reservation_id = ${reservationId}`,
      ),
    );
  }
  return changed > 0;
}

/** Milliseconds until a still-PROGRESS hold is due, or null when there is nothing left to expire. */
async function msUntilDue(prisma: PrismaClient, reservationId: number): Promise<number | null> {
  const rows = await prisma.$queryRaw<{ status: string; remaining: bigint | number }[]>`
    SELECT status, TIMESTAMPDIFF(MICROSECOND, NOW(3), expires_at) AS remaining
      FROM Reservation WHERE reservation_id = ${reservationId}`;
  const row = rows[0];
  if (row?.status !== 'PROGRESS') return null;
  return Math.max(1, Math.ceil(Number(row.remaining) / 1000));
}

/**
 * Expires PROGRESS holds past expires_at whatever happened to their jobs (a worker that crashed
 * before enqueueing, a deleted job, Redis losing its data). Bounded per run; the next run continues.
 */
export async function sweepExpiredHolds(
  prisma: PrismaClient,
  onReleased?: HoldReleaseObserver,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
    // The holds the UPDATE below takes, in its order: the first due, by expires_at. A hold paid in
    // between shifts the list by one, so a reported lateness can belong to its neighbour.
    const due = onReleased
      ? await prisma.$queryRaw<Lateness[]>`
          SELECT TIMESTAMPDIFF(MICROSECOND, expires_at, NOW(3)) AS late FROM Reservation
           WHERE status = 'PROGRESS' AND expires_at <= NOW(3)
           ORDER BY expires_at LIMIT ${SWEEP_BATCH}`
      : [];
    const changed = await prisma.$executeRaw`
      UPDATE Reservation SET status = 'EXPIRED'
       WHERE status = 'PROGRESS' AND expires_at <= NOW(3)
       ORDER BY expires_at LIMIT ${SWEEP_BATCH}`;
    total += changed;
    if (changed > 0 && onReleased) onReleased(toSeconds(due.slice(0, changed)));
    if (changed < SWEEP_BATCH) break;
  }
  return total;
}

export function createHoldProcessor(prisma: PrismaClient, onReleased?: HoldReleaseObserver) {
  return async function processHoldJob(job: Job<HoldJobData>, token?: string): Promise<{ expired: number }> {
    if (job.name === SWEEP_JOB) return { expired: await sweepExpiredHolds(prisma, onReleased) };
    if (job.name !== EXPIRE_JOB || job.data.reservationId === undefined) return { expired: 0 };

    const reservationId = job.data.reservationId;
    if (await expireHold(prisma, reservationId, onReleased)) return { expired: 1 };
    // Not expired: paid or expired already (done), or the job ran early because Redis's clock and
    // MySQL's disagree. Then it waits for the rest on MySQL's clock instead of leaving it to the sweep.
    const remainingMs = await msUntilDue(prisma, reservationId);
    if (remainingMs !== null && token !== undefined) {
      await job.moveToDelayed(Date.now() + remainingMs, token);
      throw new DelayedError();
    }
    return { expired: 0 };
  };
}
