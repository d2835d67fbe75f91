import type { BookingConfig } from '@concert/config';
import type { PrismaClient } from '@concert/db';
import { createPeriodicTask, createRedis, createThrottledWarn, redisTargetOf } from '@concert/http';
import { createKeySpace } from '@concert/queue-core';
import { Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { countBySchedule } from '../services/seat-changes.ts';
import { createSeatsLeftWriter } from '../services/seats-left.ts';
import { createHoldProcessor, type HoldReleaseObserver, type ReleasedHold } from './hold-expiry.ts';
import { createJournal, type Journal } from './journal.ts';
import { createHoldQueue, HOLD_QUEUE, type HoldJobData, SWEEP_JOB, SWEEP_SCHEDULER_ID } from './queues.ts';
import { createRoomDurability } from './room-durability.ts';

export interface WorkerRuntime {
  journal: Journal;
  holdWorker: Worker<HoldJobData>;
  /** Stops the journal and the worker (waiting for jobs in progress), then closes their connections. */
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  config: BookingConfig;
  prisma: PrismaClient;
  logger: FastifyBaseLogger;
  /** Told how late released holds were (the API's metrics); absent in a worker of its own. */
  onHoldReleased?: HoldReleaseObserver;
}

/**
 * The booking API's background work: hold expiry (one delayed BullMQ job per hold), the periodic
 * sweep of holds whose job was lost, and the waiting-room journal. Runs inside the API
 * (WORKERS_INLINE=true) or alone through src/worker.ts; any number of copies may run.
 */
export async function startWorkers(opts: StartWorkersOptions): Promise<WorkerRuntime> {
  const { config, prisma, logger, onHoldReleased } = opts;
  const keys = createKeySpace(config.REDIS_KEY_PREFIX);

  const bullConnection = createRedis(redisTargetOf(config), {
    name: 'booking-worker-bullmq',
    logger,
    forBullMq: true,
  });
  // forRedlock: the journal's lease (journal.ts) is a Redlock lock on this connection.
  const journalRedis = createRedis(redisTargetOf(config), {
    name: 'booking-journal',
    logger,
    forRedlock: true,
  });
  await journalRedis.connect();
  // The released seats go back to their concerts' seats-left counts (the waiting room's soldOut), and
  // a count Redis does not have is filled in from MySQL: now, and after every sweep.
  const seatsLeft = createSeatsLeftWriter(journalRedis, config.REDIS_KEY_PREFIX, logger);
  const fillSeatsLeft = () =>
    seatsLeft
      .fillMissing(prisma)
      .catch((err: unknown) => logger.warn({ err }, 'could not fill in the seats-left counts'));
  await fillSeatsLeft();
  const observeReleased = (released: ReleasedHold[]) => {
    seatsLeft.listener.released?.(countBySchedule(released));
    onHoldReleased?.(released);
  };
  const holdWorker = new Worker<HoldJobData>(
    HOLD_QUEUE,
    createHoldProcessor(prisma, observeReleased, fillSeatsLeft),
    {
      connection: bullConnection,
      prefix: keys.bullPrefix(),
      concurrency: config.HOLD_EXPIRY_CONCURRENCY,
      // A crashed worker's job is picked up by another after this long; the sweep backs it up.
      stalledInterval: 15_000,
      maxStalledCount: 3,
    },
  );
  holdWorker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'hold worker error'));
  holdWorker.on('failed', (job, err) =>
    logger.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: { message: err.message } },
      'hold job failed',
    ),
  );

  // Every copy upserts the same scheduler: the sweep runs once per interval, whichever worker takes it.
  const schedulerQueue = createHoldQueue(bullConnection, keys.bullPrefix());
  const upsertSweep = () =>
    schedulerQueue.upsertJobScheduler(
      SWEEP_SCHEDULER_ID,
      { every: config.HOLD_SWEEP_INTERVAL_MS },
      { name: SWEEP_JOB, data: {}, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
    );
  await upsertSweep();
  // A Redis that restarted empty (no persistence, or a failover to a replica that lagged) lost the
  // rooms, the scheduler, every bucket job and the seats-left counts. Each copy looks every few
  // seconds (an EXISTS of the epoch key, and of the scheduler) and puts them back: the rooms from
  // MySQL (Queue_Room and the Queue journal), so that they are open again within seconds, and unpaid
  // holds still expire in MySQL within a sweep interval or so. Between checks it copies the open
  // rooms' configs into Queue_Room.
  const durability = createRoomDurability({ redis: journalRedis, prisma, keys, logger });
  const checkRedis = async () => {
    const reopened = await durability.repairIfLost();
    const scheduler = await schedulerQueue.getJobScheduler(SWEEP_SCHEDULER_ID);
    if (reopened !== null || !scheduler) {
      await upsertSweep();
      await fillSeatsLeft();
      if (!scheduler) logger.warn('the hold sweep scheduler was missing from Redis and has been re-created');
    }
    await durability.snapshot();
  };
  const logCheckFailure = createThrottledWarn(logger, 'the Redis durability check failed');
  await checkRedis().catch(logCheckFailure);
  const watchRedisLoss = createPeriodicTask({
    tick: checkRedis,
    intervalMs: config.REDIS_LOSS_CHECK_MS,
    onError: logCheckFailure,
  });
  watchRedisLoss.start();

  const journal = createJournal({
    redis: journalRedis,
    prisma,
    keys,
    logger,
    pollIntervalMs: config.JOURNAL_POLL_INTERVAL_MS,
    readCount: config.JOURNAL_READ_COUNT,
  });
  journal.start();

  let closing: Promise<void> | undefined;
  return {
    journal,
    holdWorker,
    close() {
      closing ??= (async () => {
        await watchRedisLoss.stop();
        await journal.stop();
        await holdWorker.close();
        await schedulerQueue.close();
        await Promise.all([
          journalRedis.quit().catch(() => journalRedis.disconnect()),
          bullConnection.quit().catch(() => bullConnection.disconnect()),
        ]);
      })();
      return closing;
    },
  };
}
