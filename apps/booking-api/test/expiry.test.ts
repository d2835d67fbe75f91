import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TEST_AUTH_SECRET, TEST_REDIS_ENV } from '@concert/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/workers/index.ts';
import { EXPIRE_JOB, expiryBucket } from '../src/workers/queues.ts';
import {
  activeToken,
  bearer,
  buildTestApp,
  createTestEnv,
  reservationStatus,
  seatId,
  seedCatalog,
  TEST_SECRET,
  type TestEnv,
  userAuth,
  waitFor,
} from './helpers.ts';

// An unpaid hold is EXPIRED at expiresAt and its seat is AVAILABLE again: through its delayed job,
// after a worker was down past the due time, and through the sweep when the job is gone.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('expiry');
  await seedCatalog(env.prisma, { users: 10, concerts: [{ id: 1, schedules: [{ id: 1, seats: 10 }] }] });
});

afterAll(async () => {
  await env?.close();
});

async function holdSeat(app: FastifyInstance, userId: number, n: number) {
  const token = await activeToken(env, 1, userId);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/reservations',
    headers: bearer(token),
    payload: { scheduleId: 1, seatId: seatId(1, n) },
  });
  expect(res.statusCode).toBe(201);
  return { token, ...(res.json() as { reservationId: number; expiresAt: string }) };
}

/** The bucket jobs waiting in Redis: one per second of expires_at, whoever made the holds. */
async function delayedBuckets(app: FastifyInstance): Promise<number[]> {
  const jobs = await app.holdExpiry.queue.getDelayed();
  return jobs.filter((j) => j.name === EXPIRE_JOB).map((j) => j.data.bucket!);
}

async function seatStatus(app: FastifyInstance, token: string, n: number): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/v1/schedules/1/seats', headers: bearer(token) });
  return (res.json() as { seatId: number; status: string }[]).find((s) => s.seatId === seatId(1, n))!.status;
}

describe('hold expiry', () => {
  it('expires a short hold through its job, and the seat is AVAILABLE again', async () => {
    // A sweep far away, so that only the job can expire the hold within this test.
    const app = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '1',
      WORKERS_INLINE: 'true',
      HOLD_SWEEP_INTERVAL_MS: '600000',
    });
    try {
      const held = await holdSeat(app, 1, 1);
      expect(await seatStatus(app, held.token, 1)).toBe('HELD');
      expect(
        await env.prisma.reservation.count({ where: { id: held.reservationId, status: 'PROGRESS' } }),
      ).toBe(1);

      await waitFor(
        async () => (await reservationStatus(env.prisma, held.reservationId)) === 'EXPIRED',
        10_000,
        'the hold to expire',
      );
      // The contract releases it within 2 s of expiresAt; the bound leaves room for a loaded CI machine
      // and still tells the job (milliseconds) apart from the sweep (10 minutes away here).
      expect(Date.now() - Date.parse(held.expiresAt)).toBeLessThan(4_000);
      expect(await seatStatus(app, held.token, 1)).toBe('AVAILABLE');

      // The seat can be held again, by someone else.
      const again = await holdSeat(app, 2, 1);
      expect(again.reservationId).not.toBe(held.reservationId);
    } finally {
      await app.close();
    }
  });

  it('still expires when the worker was stopped past the due time and restarted', async () => {
    const vars = { HOLD_TTL_SECONDS: '1', WORKERS_INLINE: 'false', HOLD_SWEEP_INTERVAL_MS: '600000' };
    const app = await buildTestApp(env, vars);
    let workers = await startWorkers({
      config: env.config(vars),
      prisma: env.prisma,
      logger: app.log,
    });
    try {
      const held = await holdSeat(app, 3, 2);
      await workers.close();

      // Well past the due time, with no worker: the row is still PROGRESS (reads show EXPIRED).
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Date.parse(held.expiresAt) + 1_500 - Date.now())),
      );
      expect(await reservationStatus(env.prisma, held.reservationId)).toBe('PROGRESS');
      const due = Date.parse(held.expiresAt) / 1000;
      expect((await delayedBuckets(app)).some((b) => b >= due && b <= due + 1)).toBe(true);

      workers = await startWorkers({ config: env.config(vars), prisma: env.prisma, logger: app.log });
      await waitFor(
        async () => (await reservationStatus(env.prisma, held.reservationId)) === 'EXPIRED',
        10_000,
        'the hold to expire',
      );
      // Late, but still within 2 s of the worker's return: the overdue bucket ran at once.
      await waitFor(async () => (await delayedBuckets(app)).length === 0, 10_000, 'the job to complete');
      expect(await seatStatus(app, held.token, 2)).toBe('AVAILABLE');
    } finally {
      await workers.close();
      await app.close();
    }
  });

  it('makes one job per second of expiry, however many holds fall in it', async () => {
    const app = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '30',
      WORKERS_INLINE: 'false',
    });
    try {
      await app.holdExpiry.queue.drain(true);
      const held = await Promise.all([7, 8, 9].map((u, i) => holdSeat(app, u, 5 + i)));
      const seconds = new Set(held.map((h) => expiryBucket(Date.parse(h.expiresAt))));
      const buckets = await delayedBuckets(app);
      // One job per distinct second (the three holds may straddle a second's boundary).
      // Three holds made at once fall in one second, or two across a boundary: never one job each.
      expect(buckets.length).toBeGreaterThanOrEqual(1);
      expect(buckets.length).toBeLessThanOrEqual(Math.min(2, seconds.size + 1));
      expect(new Set(buckets).size).toBe(buckets.length);
      for (const h of held) {
        const due = Date.parse(h.expiresAt);
        // Each hold's bucket job runs no earlier than its expiresAt, and within a second of it.
        expect(buckets.some((b) => b * 1000 >= due - 50 && b * 1000 - due < 1_050)).toBe(true);
      }
    } finally {
      await app.holdExpiry.queue.drain(true);
      await app.close();
    }
  });

  it('expires a hold whose job was deleted, through the sweep', async () => {
    const app = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '1',
      WORKERS_INLINE: 'true',
      HOLD_SWEEP_INTERVAL_MS: '300',
    });
    try {
      const held = await holdSeat(app, 4, 3);
      // Every bucket job gone, as when Redis lost them.
      await app.holdExpiry.queue.drain(true);
      expect(await delayedBuckets(app)).toEqual([]);
      await waitFor(
        async () => (await reservationStatus(env.prisma, held.reservationId)) === 'EXPIRED',
        10_000,
        'the sweep',
      );
      expect(await seatStatus(app, held.token, 3)).toBe('AVAILABLE');
    } finally {
      await app.close();
    }
  });

  it('never expires a paid hold, whatever its job does later', async () => {
    // Long enough to pay within on a loaded machine; the wait below runs past its expiry.
    const app = await buildTestApp(env, {
      HOLD_TTL_SECONDS: '3',
      WORKERS_INLINE: 'true',
      HOLD_SWEEP_INTERVAL_MS: '300',
    });
    try {
      await app.inject({
        method: 'POST',
        url: '/v1/users/5/balance/charges',
        headers: await userAuth(5),
        payload: { amount: 10_000 },
      });
      const held = await holdSeat(app, 5, 4);
      const pay = await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: bearer(held.token),
        payload: { reservationIds: [held.reservationId] },
      });
      expect(pay.statusCode).toBe(201);
      // A bucket job that fires now, after the payment, proves a late job is harmless.
      await app.holdExpiry.queue.add(EXPIRE_JOB, { bucket: expiryBucket(Date.now()) }, { jobId: 'late-one' });
      // Past expiresAt and its own bucket job, and past several sweeps.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1_800, Date.parse(held.expiresAt) + 1_500 - Date.now())),
      );
      expect(await reservationStatus(env.prisma, held.reservationId)).toBe('COMPLETED');
      const fresh = await activeToken(env, 1, 6);
      expect(await seatStatus(app, fresh, 4)).toBe('SOLD');
    } finally {
      await app.close();
    }
  });

  it('runs in a process of its own (src/worker.ts), which expires holds and stops cleanly on SIGTERM', async () => {
    const app = await buildTestApp(env, { HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: '600000' });
    const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const tsxLoader = pathToFileURL(path.resolve(appDir, '../../node_modules/tsx/dist/loader.mjs')).href;
    // The worker in this one node process (tsx as a loader), so that the signal reaches it directly.
    const child = spawn(process.execPath, ['--import', tsxLoader, 'src/worker.ts'], {
      cwd: appDir,
      env: {
        ...process.env,
        DATABASE_URL: env.db.url,
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: env.prefix,
        QUEUE_TOKEN_SECRET: TEST_SECRET,
        AUTH_JWT_SECRET: TEST_AUTH_SECRET,
        HOLD_SWEEP_INTERVAL_MS: '600000',
        SHUTDOWN_TIMEOUT_MS: '10000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let log = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => log.includes('booking workers started'), 30_000, 'the worker to start');
      const held = await holdSeat(app, 4, 3);
      // Only the worker process runs jobs here: the app runs none, and the sweep is 10 minutes away.
      await waitFor(
        async () => (await reservationStatus(env.prisma, held.reservationId)) === 'EXPIRED',
        10_000,
        'the worker process to expire the hold',
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toContain('shutting down');
      expect(log).toContain('booking workers stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await app.close();
    }
  });
});
