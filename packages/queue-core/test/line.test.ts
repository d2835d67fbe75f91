import { createTestRedis } from '@concert/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueCore, type QueueCore, type RoomConfig } from '../src/index.ts';

const CONFIG: RoomConfig = {
  maxActive: 100,
  admitPerSecond: 100,
  activeTtlSeconds: 300,
  idleTimeoutSeconds: 600,
  maxWaiting: 1_000_000,
};

/** Joins users from..to-1, a thousand in flight. */
async function joinAll(queue: QueueCore, concertId: number, from: number, to: number) {
  const ids = new Map<number, number>();
  for (let start = from; start < to; start += 1000) {
    const users = Array.from({ length: Math.min(1000, to - start) }, (_, i) => start + i);
    const results = await Promise.all(users.map((u) => queue.joinRoom(concertId, u)));
    results.forEach((r, i) => {
      if (r.outcome !== 'JOINED') throw new Error(`user ${users[i]}: ${r.outcome}`);
      ids.set(users[i]!, r.tokenId);
    });
  }
  return ids;
}

describe('the line in Redis', () => {
  let t: Awaited<ReturnType<typeof createTestRedis>>;
  let queue: QueueCore;

  beforeAll(async () => {
    t = await createTestRedis('line');
    queue = createQueueCore({ redis: t.redis, prefix: t.prefix });
  });
  afterAll(async () => t.close());

  /** Bytes of every key of the room but its event stream (MEMORY USAGE, every element counted). */
  async function roomBytes(concertId: number): Promise<number> {
    const k = queue.keys.room(concertId);
    const [epochMs, now] = [Number(await t.redis.hget(k.room, 'epochMs')), Date.now()];
    const epoch = Math.floor(now / epochMs);
    const buckets = await t.redis.smembers(k.buckets);
    const names = [
      k.room,
      k.seq,
      k.line,
      k.users,
      k.buckets,
      k.dead,
      k.active,
      k.activeTokens,
      k.unclaimed,
      k.admissions,
      ...buckets.map((b) => k.userBucket(Number(b) * 128)),
      ...Array.from({ length: 11 }, (_, i) => k.seenEpoch(epochMs, epoch - 9 + i)),
    ];
    const sizes = await Promise.all(names.map((n) => t.redis.memory('USAGE', n, 'SAMPLES', 0)));
    return sizes.reduce<number>((sum, s) => sum + (s ?? 0), 0);
  }

  it('keeps 20,000 waiting tokens in under 64 bytes each, the event stream aside', async () => {
    await queue.openRoom(1, {}, CONFIG);
    await joinAll(queue, 1, 1, 20_001);
    expect((await queue.readRoomStats(1))!.waiting).toBe(20_000);
    const perToken = (await roomBytes(1)) / 20_000;
    expect(perToken).toBeGreaterThan(4); // at least the four bytes of each user id: the count is real
    expect(perToken).toBeLessThanOrEqual(64);
  });

  it('derives in Lua the key names that keys.ts builds', async () => {
    await queue.openRoom(2, {}, CONFIG);
    await queue.joinRoom(2, 300);
    const k = queue.keys.room(2);
    const epochMs = Number(await t.redis.hget(k.room, 'epochMs'));
    expect(epochMs).toBe((CONFIG.idleTimeoutSeconds * 1000) / 8);
    expect(await t.redis.hget(k.userBucket(300), String(300 % 128))).toBe('0');
    const [seconds] = await t.redis.time();
    const epoch = Math.floor((Number(seconds) * 1000) / epochMs);
    const seen = [epoch - 1, epoch].map((e) => t.redis.getbit(k.seenEpoch(epochMs, e), 0));
    expect((await Promise.all(seen)).some((bit) => bit === 1)).toBe(true);
  });

  it('counts only live tokens ahead after leaves, and keeps each user to one place', async () => {
    await queue.openRoom(3, {}, CONFIG);
    const ids = await joinAll(queue, 3, 1, 2_001);
    const leaving = [...ids.keys()].filter((u) => u % 3 === 0);
    await Promise.all(
      leaving.map((u) => queue.expireToken({ concertId: 3, userId: u, tokenId: ids.get(u)! }, 'leave')),
    );
    const staying = [...ids.keys()].filter((u) => u % 3 !== 0);
    const positions = await Promise.all(staying.map((u) => queue.readPosition(3, u, ids.get(u)!)));
    expect(positions).toEqual(staying.map((_, i) => i + 1));
    // A repeated join returns the same place; a leaver joins again at the back.
    const again = await queue.joinRoom(3, staying[5]!);
    expect(again).toMatchObject({
      outcome: 'REJOINED',
      tokenId: ids.get(staying[5]!),
      status: { position: 6 },
    });
    const back = await queue.joinRoom(3, leaving[0]!);
    expect(back).toMatchObject({ outcome: 'JOINED', status: { position: staying.length + 1 } });
    expect((await queue.readRoomStats(3))!.waiting).toBe(staying.length + 1);
  });

  it('admits in line order past the places that left, and empties the line', async () => {
    await queue.openRoom(4, {}, { ...CONFIG, admitPerSecond: 1_000_000, maxActive: 1_000_000 });
    const ids = await joinAll(queue, 4, 1, 1_001);
    const leaving = [...ids.keys()].filter((u) => u % 2 === 0);
    await Promise.all(
      leaving.map((u) => queue.expireToken({ concertId: 4, userId: u, tokenId: ids.get(u)! }, 'leave')),
    );
    const admitted: number[] = [];
    const before = (await t.redis.xrevrange(queue.keys.room(4).events, '+', '-', 'COUNT', 1))[0]![0];
    for (let i = 0; i < 20; i++) {
      const r = await queue.promoteRoom(4, 100);
      if (r.waiting === 0 && r.admitted === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const [, fields] of await t.redis.xrange(queue.keys.room(4).events, `(${before}`, '+')) {
      if (fields[1] !== 'A') continue;
      for (const pair of fields[5]!.split(',')) admitted.push(Number(pair.split(':')[0]));
    }
    expect(admitted).toEqual([...ids.keys()].filter((u) => u % 2 === 1));
    expect((await queue.readRoomStats(4))!.waiting).toBe(0);
    expect(await t.redis.bitcount(queue.keys.room(4).line)).toBe(0);
  });

  it('reads the line back in pages of raw bits, with each token’s liveness', async () => {
    await queue.openRoom(6, {}, CONFIG);
    const ids = await joinAll(queue, 6, 1, 301);
    const leaving = [...ids.keys()].filter((u) => u % 7 === 0);
    await Promise.all(
      leaving.map((u) => queue.expireToken({ concertId: 6, userId: u, tokenId: ids.get(u)! }, 'leave')),
    );
    const [seconds] = await t.redis.time();
    const read: { userId: number; tokenId: number; lastSeenMs: number }[] = [];
    let pages = 0;
    for (let after: number | null = 0; after !== null; pages++) {
      const page = await queue.readWaitingPage(6, after, 64);
      read.push(...page.tokens);
      after = page.next;
    }
    expect(pages).toBe(Math.ceil(300 / 64));
    const staying = [...ids.keys()].filter((u) => u % 7 !== 0);
    expect(read.map((r) => [r.userId, r.tokenId])).toEqual(staying.map((u) => [u, ids.get(u)]));
    // Seen at their join, within the current epoch (75 s here): never later than now, never idle.
    // "Now" is Redis's clock after the reads, to the millisecond: the whole second before them plus
    // 1 s failed once, when the reads ran just past a second's boundary.
    const [afterSeconds, afterMicros] = await t.redis.time();
    const nowMs = Number(afterSeconds) * 1000 + Math.floor(Number(afterMicros) / 1000);
    for (const r of read) {
      expect(r.lastSeenMs).toBeGreaterThan(Number(seconds) * 1000 - 75_000);
      expect(r.lastSeenMs).toBeLessThanOrEqual(nowMs);
    }
    // From the middle: only the tokens after the one given.
    const tail = await queue.readWaitingPage(6, ids.get(150)!, 1024);
    expect(tail.tokens.map((r) => r.userId)).toEqual(staying.filter((u) => u > 150));
    expect(tail.next).toBeNull();
  });

  it('drops every key of the line on close', async () => {
    await queue.openRoom(5, {}, CONFIG);
    await joinAll(queue, 5, 1, 301);
    const k = queue.keys.room(5);
    expect(await t.redis.scard(k.buckets)).toBe(3);
    await queue.closeRoom(5);
    const left = await Promise.all(
      [k.line, k.users, k.buckets, k.userBucket(1), k.userBucket(200), k.room].map((n) => t.redis.exists(n)),
    );
    expect(left).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
