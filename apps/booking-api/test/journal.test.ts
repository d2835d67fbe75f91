import { createKeySpace } from '@concert/queue-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJournal, JOURNAL_GROUP } from '../src/workers/journal.ts';
import {
  activeTokens,
  buildTestApp,
  createTestEnv,
  seedCatalog,
  type TestEnv,
  WIDE_ROOM,
  waitFor,
} from './helpers.ts';

// The waiting rooms' lifecycle (WAITING → ACTIVE → EXPIRED, and room closes) lands in the Queue table.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('journal');
  await seedCatalog(env.prisma, {
    users: 10,
    concerts: [
      { id: 1, schedules: [] },
      { id: 2, schedules: [] },
      { id: 3, schedules: [] },
      { id: 4, schedules: [] },
      { id: 5, schedules: [] },
    ],
  });
});

afterAll(async () => {
  await env?.close();
});

function journal() {
  return createJournal({
    redis: env.redis,
    prisma: env.prisma,
    keys: createKeySpace(env.prefix),
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    readCount: 100,
  });
}

async function drain(j: ReturnType<typeof journal>) {
  while ((await j.runOnce()) > 0) {
    // until every stream is read
  }
}

async function rows(concertId: number) {
  return env.prisma.queue.findMany({ where: { concertId }, orderBy: { tokenSeq: 'asc' } });
}

describe('queue journal', () => {
  it('records each token WAITING, then ACTIVE, then EXPIRED, with its times', async () => {
    const j = journal();
    try {
      const users = Array.from({ length: 300 }, (_, i) => i + 1);
      await env.queue.openRoom(1, WIDE_ROOM, WIDE_ROOM);
      const joined = await Promise.all(users.map((u) => env.queue.joinRoom(1, u)));
      await drain(j);
      let journaled = await rows(1);
      expect(journaled).toHaveLength(300);
      expect(new Set(journaled.map((r) => r.status))).toEqual(new Set(['WAITING']));
      const tokenIds = joined.map((x) => (x.outcome === 'JOINED' ? x.tokenId : 0));
      expect(journaled.map((r) => Number(r.tokenSeq))).toEqual([...tokenIds].sort((a, b) => a - b));
      expect(journaled.find((r) => Number(r.tokenSeq) === tokenIds[0])?.userId).toBe(1);

      await env.queue.promoteRoom(1, 1_000_000);
      await drain(j);
      journaled = await rows(1);
      expect(new Set(journaled.map((r) => r.status))).toEqual(new Set(['ACTIVE']));
      expect(journaled.every((r) => r.admittedAt !== null && r.admittedAt >= r.createdAt)).toBe(true);

      for (const [i, u] of users.slice(0, 50).entries()) {
        await env.queue.expireToken({ userId: u, concertId: 1, tokenId: tokenIds[i]! }, 'leave');
      }
      await drain(j);
      journaled = await rows(1);
      const expired = journaled.filter((r) => r.status === 'EXPIRED');
      expect(expired).toHaveLength(50);
      expect(
        expired.every((r) => r.expiredAt !== null && r.admittedAt !== null && r.expiredAt >= r.admittedAt),
      ).toBe(true);

      // Acknowledged entries are trimmed from Redis.
      expect(await env.redis.xlen(createKeySpace(env.prefix).room(1).events)).toBe(0);
    } finally {
      await j.stop();
    }
  });

  it('tolerates repeats and out-of-order events: a status never moves back', async () => {
    const j = journal();
    try {
      const stream = createKeySpace(env.prefix).room(1).events;
      const [first] = await rows(1);
      const seq = Number(first!.tokenSeq);
      // A replayed join and admission of a token that is EXPIRED already.
      const expiredRow = (await rows(1)).find((r) => r.status === 'EXPIRED')!;
      await env.redis.xadd(
        stream,
        '*',
        't',
        'J',
        'at',
        String(Date.now()),
        'ids',
        `${expiredRow.userId}:${expiredRow.tokenSeq}`,
      );
      await env.redis.xadd(
        stream,
        '*',
        't',
        'A',
        'at',
        String(Date.now()),
        'ids',
        `${expiredRow.userId}:${expiredRow.tokenSeq}`,
      );
      // An expiry seen before its join (a trimmed stream): the later join must not revive it.
      await env.redis.xadd(stream, '*', 't', 'X', 'at', String(Date.now()), 'ids', `7:${seq + 1_000_000}`);
      await env.redis.xadd(
        stream,
        '*',
        't',
        'J',
        'at',
        String(Date.now() - 5_000),
        'ids',
        `7:${seq + 1_000_000}`,
      );
      await env.redis.xadd(stream, '*', 't', 'garbage');
      await drain(j);
      const after = await env.prisma.queue.findUnique({
        where: { concertId_tokenSeq: { concertId: 1, tokenSeq: expiredRow.tokenSeq } },
      });
      expect(after?.status).toBe('EXPIRED');
      expect(after?.admittedAt).toEqual(expiredRow.admittedAt);
      const late = await env.prisma.queue.findUnique({
        where: { concertId_tokenSeq: { concertId: 1, tokenSeq: BigInt(seq + 1_000_000) } },
      });
      expect(late?.status).toBe('EXPIRED');
      expect(late!.createdAt.getTime()).toBeLessThan(late!.expiredAt!.getTime());
    } finally {
      await j.stop();
    }
  });

  it('expires every live token of a closed room', async () => {
    const j = journal();
    try {
      await env.queue.openRoom(2, WIDE_ROOM, WIDE_ROOM);
      await activeTokens(env, 2, [1, 2, 3]);
      await Promise.all([4, 5].map((u) => env.queue.joinRoom(2, u)));
      await drain(j);
      expect((await rows(2)).map((r) => r.status).sort()).toEqual([
        'ACTIVE',
        'ACTIVE',
        'ACTIVE',
        'WAITING',
        'WAITING',
      ]);
      await env.queue.closeRoom(2);
      await drain(j);
      const closed = await rows(2);
      expect(closed.map((r) => r.status)).toEqual(Array(5).fill('EXPIRED'));
      expect(closed.every((r) => r.expiredAt !== null)).toBe(true);
    } finally {
      await j.stop();
    }
  });

  it('finds by SCAN the stream of a room that closed before the journal ever saw it open', async () => {
    await env.queue.openRoom(4, WIDE_ROOM, WIDE_ROOM);
    await Promise.all([1, 2, 3].map((u) => env.queue.joinRoom(4, u)));
    await env.queue.closeRoom(4);
    expect(await env.redis.sismember(createKeySpace(env.prefix).rooms(), '4')).toBe(0);
    const j = journal();
    try {
      await drain(j);
      const closed = await rows(4);
      expect(closed.map((r) => r.status)).toEqual(Array(3).fill('EXPIRED'));
    } finally {
      await j.stop();
    }
  });

  it('leaves out a room of a concert MySQL does not know, and journals the others', async () => {
    await env.queue.openRoom(999, WIDE_ROOM, WIDE_ROOM);
    await env.queue.joinRoom(999, 1);
    await env.queue.openRoom(5, WIDE_ROOM, WIDE_ROOM);
    await env.queue.joinRoom(5, 1);
    const j = journal();
    try {
      await drain(j);
      expect(await rows(5)).toHaveLength(1);
      expect(await env.prisma.queue.count({ where: { concertId: 999 } })).toBe(0);
    } finally {
      await j.stop();
      await env.queue.closeRoom(999);
    }
  });

  it('resumes after a crash from what was read but never acknowledged', async () => {
    const stream = createKeySpace(env.prefix).room(3).events;
    await env.queue.openRoom(3, WIDE_ROOM, WIDE_ROOM);
    await Promise.all([1, 2, 3].map((u) => env.queue.joinRoom(3, u)));
    // A holder that read the entries and died before writing them.
    await env.redis.xgroup('CREATE', stream, JOURNAL_GROUP, '0');
    await env.redis.xreadgroup('GROUP', JOURNAL_GROUP, 'journal', 'COUNT', 100, 'STREAMS', stream, '>');
    const j = journal();
    try {
      await drain(j);
      expect(await rows(3)).toHaveLength(3);
      expect(await env.redis.xlen(stream)).toBe(0);
    } finally {
      await j.stop();
    }
  });

  it('runs inside the API with inline workers', async () => {
    const app = await buildTestApp(env, { WORKERS_INLINE: 'true' });
    try {
      await activeTokens(env, 1, [9]);
      await waitFor(
        async () =>
          (await env.prisma.queue.count({ where: { concertId: 1, userId: 9, status: 'ACTIVE' } })) > 0,
        10_000,
        'the journal to record the admission',
      );
    } finally {
      await app.close();
    }
  });
});
