import { type BookingConfig, loadBookingConfig } from '@concert/config';
import type { PrismaClient } from '@concert/db';
import {
  createQueueCore,
  createTokenCodec,
  type QueueCore,
  type RoomConfig,
  type TokenCodec,
} from '@concert/queue-core';
import {
  createTestDatabase,
  createTestRedis,
  TEST_AUTH_SECRET,
  TEST_REDIS_ENV,
  type TestDatabase,
  testUserToken,
} from '@concert/testing';
import type { Redis } from 'ioredis';
import { buildBookingApp } from '../src/app.ts';

export const TEST_SECRET = 'booking-api-test-secret-0123456789abcdef';

/** A room that admits everyone at once and keeps them ACTIVE for an hour. */
export const WIDE_ROOM: RoomConfig = {
  maxActive: 1_000_000,
  admitPerSecond: 1_000_000,
  activeTtlSeconds: 3600,
  idleTimeoutSeconds: 3600,
  maxWaiting: 10_000_000,
};

export interface TestEnv {
  db: TestDatabase;
  prisma: PrismaClient;
  redis: Redis;
  prefix: string;
  queue: QueueCore;
  tokens: TokenCodec;
  /** The booking config for this file's database and Redis prefix, with `env` applied. */
  config(env?: Record<string, string>): BookingConfig;
  close(): Promise<void>;
}

/** A fresh migrated database and Redis prefix for one test file. */
export async function createTestEnv(name: string): Promise<TestEnv> {
  const db = await createTestDatabase(`booking_${name}`, { poolSize: 10 });
  const r = await createTestRedis(`booking-${name}`);
  return {
    db,
    prisma: db.prisma,
    redis: r.redis,
    prefix: r.prefix,
    queue: createQueueCore({ redis: r.redis, prefix: r.prefix }),
    tokens: createTokenCodec(TEST_SECRET),
    config(env = {}) {
      return loadBookingConfig({
        DATABASE_URL: db.url,
        ...TEST_REDIS_ENV,
        REDIS_KEY_PREFIX: r.prefix,
        QUEUE_TOKEN_SECRET: TEST_SECRET,
        AUTH_JWT_SECRET: TEST_AUTH_SECRET,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_MAX: '0',
        WORKERS_INLINE: 'false',
        JOURNAL_POLL_INTERVAL_MS: '50',
        ...env,
      });
    },
    async close() {
      await r.close();
      await db.drop();
    },
  };
}

export async function buildTestApp(env: TestEnv, vars: Record<string, string> = {}) {
  const app = await buildBookingApp(env.config(vars));
  await app.ready();
  return app;
}

export interface CatalogSpec {
  users: number;
  concerts: { id: number; schedules: { id: number; seats: number; price?: number }[] }[];
}

/**
 * Users 1..n with zero balance, and concerts with schedules of seats. Seat ids are
 * scheduleId * 1000 + n, so a test can name a seat without reading it back.
 */
export async function seedCatalog(prisma: PrismaClient, spec: CatalogSpec): Promise<void> {
  const userIds = Array.from({ length: spec.users }, (_, i) => i + 1);
  await prisma.user.createMany({ data: userIds.map((id) => ({ id, name: `user-${id}` })) });
  await prisma.balance.createMany({ data: userIds.map((userId) => ({ userId, amount: 0n })) });
  await prisma.concert.createMany({
    data: spec.concerts.map((c) => ({ id: c.id, name: `concert-${c.id}` })),
  });
  await prisma.concertSchedule.createMany({
    data: spec.concerts.flatMap((c) =>
      c.schedules.map((s, i) => ({
        id: s.id,
        concertId: c.id,
        playDate: new Date(Date.UTC(2027, 0, 1 + i + c.id * 10)),
      })),
    ),
  });
  await prisma.seat.createMany({
    data: spec.concerts.flatMap((c) =>
      c.schedules.flatMap((s) =>
        Array.from({ length: s.seats }, (_, i) => ({
          id: seatId(s.id, i + 1),
          scheduleId: s.id,
          seatNo: `A${i + 1}`,
          price: BigInt(s.price ?? 10_000),
        })),
      ),
    ),
  });
}

export const seatId = (scheduleId: number, n: number) => scheduleId * 1000 + n;

/** ACTIVE tokens for users of a concert, through the real queue scripts: open, join, promote, sign. */
export async function activeTokens(
  env: TestEnv,
  concertId: number,
  userIds: number[],
): Promise<Map<number, string>> {
  await env.queue.openRoom(concertId, WIDE_ROOM, WIDE_ROOM);
  const joined = await Promise.all(userIds.map((u) => env.queue.joinRoom(concertId, u)));
  await env.queue.promoteRoom(concertId, 1_000_000);
  const out = new Map<number, string>();
  joined.forEach((j, i) => {
    if (j.outcome !== 'JOINED' && j.outcome !== 'REJOINED') throw new Error(`join failed: ${j.outcome}`);
    const userId = userIds[i]!;
    out.set(userId, env.tokens.signToken({ userId, concertId, tokenId: j.tokenId }));
  });
  await Promise.all(
    [...out].map(async ([userId, token]) => {
      const state = await env.queue.readTokenState(env.tokens.verifyToken(token));
      if (state.state !== 'ACTIVE') throw new Error(`user ${userId} is not ACTIVE`);
    }),
  );
  return out;
}

export async function activeToken(env: TestEnv, concertId: number, userId: number): Promise<string> {
  return (await activeTokens(env, concertId, [userId])).get(userId)!;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The Authorization header of `userId`'s user token, from the tests' identity provider. */
export async function userAuth(userId: number): Promise<{ authorization: string }> {
  return bearer(await testUserToken(userId));
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function reservationStatus(
  prisma: PrismaClient,
  reservationId: number,
): Promise<string | undefined> {
  const row = await prisma.reservation.findUnique({ where: { id: reservationId }, select: { status: true } });
  return row?.status;
}

/** The user's balance and the sum of their ledger, read in one statement. */
export async function balanceAndLedger(
  prisma: PrismaClient,
  userId: number,
): Promise<{ balance: number; ledger: number }> {
  const [row] = await prisma.$queryRaw<{ balance: bigint; ledger: bigint }[]>`
    SELECT (SELECT \`value\` FROM Balance WHERE user_id = ${userId}) AS balance,
           (SELECT CAST(COALESCE(SUM(amount), 0) AS SIGNED) FROM Balance_Ledger WHERE user_id = ${userId}) AS ledger`;
  return { balance: Number(row!.balance), ledger: Number(row!.ledger) };
}

/** Asserts the contract's problem+json shape and returns the parsed body. */
export function problemOf(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${type} (${res.statusCode}): ${res.body}`);
  }
  return JSON.parse(res.body) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    errors?: { path: string; message: string }[];
  };
}
