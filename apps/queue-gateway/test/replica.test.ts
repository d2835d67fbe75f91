import { parseQueueEvent } from '@concert/queue-core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll, sleep } from './helpers.ts';

/** Counts the Redis polls an instance makes (the replica answers the others from memory). */
function countRedisPolls(app: GatewayApp) {
  const read = app.queue.pollToken;
  const counter = { calls: 0, waiting: 0, restore: () => (app.queue.pollToken = read) };
  app.queue.pollToken = async (claims) => {
    counter.calls++;
    const status = await read(claims);
    if (status.status === 'WAITING') counter.waiting++;
    return status;
  };
  return counter;
}

async function waitFresh(app: GatewayApp, concertId: number, token: string) {
  await poll(app, token); // the first poll of a room starts its replica
  const deadline = Date.now() + 5000;
  while (!app.replicas.inspect(concertId)?.isFresh) {
    if (Date.now() > deadline) throw new Error('replica never became fresh');
    await sleep(20);
  }
}

/** The token's position as Redis holds it now, read-only. */
function truePosition(app: GatewayApp, token: string): Promise<number | null> {
  const { concertId, userId, tokenId } = app.tokens.verifyToken(token);
  return app.queue.readPosition(concertId, userId, tokenId);
}

async function readAdmissions(redis: Redis, stream: string) {
  const out: { at: number; ids: number[] }[] = [];
  for (const [, fields] of await redis.xrange(stream, '-', '+')) {
    const event = parseQueueEvent(fields);
    if (event?.kind === 'A') out.push({ at: event.at.getTime(), ids: event.tokens.map((t) => t.tokenId) });
  }
  return out;
}

describe('polls answered from each instance’s replica, three instances on one Redis', () => {
  const world = createGatewayWorld('replica');
  let w: Awaited<typeof world>;
  let apps: GatewayApp[];

  beforeAll(async () => {
    w = await world;
    apps = [await w.build(), await w.build(), await w.build()];
  });
  afterAll(async () => w.close());

  it('answers exact positions 1..N on every instance with no Redis poll', async () => {
    const concertId = 1001;
    await openRoom(apps[0]!, concertId);
    const tokens: string[] = [];
    for (let i = 0; i < 90; i++) tokens.push((await join(apps[i % 3]!, 1000 + i, concertId)).body.token);
    for (const app of apps) await waitFresh(app, concertId, tokens[0]!);
    const counters = apps.map(countRedisPolls);
    for (const app of apps) {
      const positions = await Promise.all(tokens.map(async (t) => (await poll(app, t)).body.position));
      expect(positions).toEqual(tokens.map((_, i) => i + 1));
    }
    expect(counters.map((c) => c.calls)).toEqual([0, 0, 0]);
    for (const c of counters) c.restore();

    // Ten leave through one instance; every instance counts only the live tokens ahead.
    await Promise.all(
      tokens.slice(0, 10).map((t) =>
        apps[0]!.inject({
          method: 'DELETE',
          url: '/v1/queue/tokens/current',
          headers: { authorization: `Bearer ${t}` },
        }),
      ),
    );
    await sleep(100);
    for (const app of apps) {
      const bodies = await Promise.all(tokens.map(async (t) => (await poll(app, t)).body));
      expect(bodies.slice(0, 10).every((b) => b.status === 'EXPIRED')).toBe(true);
      expect(bodies.slice(10).map((b) => b.position)).toEqual(tokens.slice(10).map((_, i) => i + 1));
    }
  });

  it('never overtakes, never answers ahead of the truth, and keeps rate and capacity while 3 instances admit', async () => {
    const concertId = 1002;
    const perSecond = 40;
    const maxActive = 70;
    const env = { PROMOTER_ENABLED: 'true', PROMOTER_INTERVAL_MS: '20' };
    const admitting = [await w.build(env), await w.build(env), await w.build(env)];
    await openRoom(admitting[0]!, concertId, { admitPerSecond: perSecond, maxActive, activeTtlSeconds: 600 });
    const users = Array.from({ length: 150 }, (_, i) => 2000 + i);
    const joined: { userId: number; token: string; tokenId: number }[] = [];
    for (const [i, userId] of users.entries()) {
      const { token } = (await join(admitting[i % 3]!, userId, concertId)).body;
      joined.push({ userId, token, tokenId: admitting[0]!.tokens.verifyToken(token).tokenId });
    }
    const k = admitting[0]!.queue.keys.room(concertId);
    const lastPosition = new Map<string, number>();
    let answers = 0;
    let waitingAnswers = 0;
    let activeSeen = 0;
    const violations: string[] = [];
    const counters = admitting.map(countRedisPolls);
    const deadline = Date.now() + 3000;
    await Promise.all(
      admitting.map(async (app, a) => {
        while (Date.now() < deadline) {
          for (const t of joined.slice((a * 7) % 50)) {
            if (Date.now() >= deadline) break;
            const { body } = await poll(app, t.token);
            answers++;
            if (body.status === 'WAITING') {
              waitingAnswers++;
              const truth = await truePosition(app, t.token);
              // Still waiting: never nearer the front than the truth now (a lag only misses removals ahead).
              if (truth !== null && body.position < truth)
                violations.push(`${t.userId} at ${body.position} < ${truth}`);
              const key = `${a}:${t.userId}`;
              const before = lastPosition.get(key);
              if (before !== undefined && body.position > before) violations.push(`${key} moved back`);
              lastPosition.set(key, body.position);
            } else if (body.status === 'ACTIVE') {
              activeSeen++;
              const held = await w.redis.hget(k.activeTokens, String(t.userId));
              if (Number(held) !== t.tokenId) violations.push(`${t.userId} ACTIVE but not admitted`);
            }
          }
        }
      }),
    );
    const redisPolls = counters.reduce((n, c) => n + c.waiting, 0);
    // Their promoters would admit the later tests' rooms too.
    await Promise.all(admitting.map((a) => a.close()));
    expect(violations).toEqual([]);
    expect(answers).toBeGreaterThan(300);
    // Most WAITING answers came from memory, even while admissions ran (ACTIVE ones always come from Redis).
    console.info(
      `replica test: ${answers} polls, ${waitingAnswers} WAITING, ${redisPolls} of them from Redis`,
    );
    expect(redisPolls).toBeLessThan(waitingAnswers / 2);
    expect(activeSeen).toBeGreaterThan(0);

    const admissions = await readAdmissions(w.redis, k.events);
    const admittedIds = admissions.flatMap((a) => a.ids);
    // First come, first served: admitted strictly in join order.
    expect(admittedIds).toEqual([...admittedIds].sort((x, y) => x - y));
    expect(admittedIds.length).toBeLessThanOrEqual(maxActive);
    for (const a of admissions) {
      const inWindow = admissions
        .filter((b) => b.at >= a.at && b.at < a.at + 1000)
        .reduce((s, b) => s + b.ids.length, 0);
      expect(inWindow).toBeLessThanOrEqual(perSecond);
    }
  });

  it('keeps a token polled from memory live past the idle timeout, and expires one that stopped', async () => {
    const concertId = 1003;
    const env = { PROMOTER_ENABLED: 'true', PROMOTER_INTERVAL_MS: '50' };
    const app = await w.build(env);
    await openRoom(app, concertId, { maxActive: 1, idleTimeoutSeconds: 2 });
    const holder = (await join(app, 3001, concertId)).body.token;
    const polled = (await join(app, 3002, concertId)).body.token;
    const silent = (await join(app, 3003, concertId)).body.token;
    await waitFresh(app, concertId, holder);
    // The holder is admitted and claims its slot; the other two wait.
    for (let i = 0; i < 50 && (await poll(app, holder)).body.status !== 'ACTIVE'; i++) await sleep(20);
    const counter = countRedisPolls(app);
    let polls = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      expect((await poll(app, polled)).body.status).toBe('WAITING');
      polls++;
      await sleep(300);
    }
    counter.restore();
    await app.close();
    // Answered from memory nearly every time: its liveness went out in the replica's batched writes.
    expect(counter.calls).toBeLessThanOrEqual(2);
    expect(polls).toBeGreaterThan(10);
    expect((await poll(apps[0]!, silent)).body).toEqual({ status: 'EXPIRED' });
    expect((await poll(apps[0]!, polled)).body.status).toBe('WAITING');
  });

  it('a replica that falls behind answers no nearer than the truth, then hands polls to Redis past its lag', async () => {
    const concertId = 1004;
    const lagging = await w.build({ REPLICA_MAX_LAG_MS: '400' });
    await openRoom(apps[0]!, concertId);
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push((await join(apps[0]!, 4000 + i, concertId)).body.token);
    await waitFresh(lagging, concertId, tokens[0]!);
    const last = tokens.at(-1)!;
    expect((await poll(lagging, last)).body).toMatchObject({ position: 20 });

    lagging.replicas.pause(concertId, true);
    await Promise.all(
      tokens.slice(0, 5).map((t) =>
        apps[1]!.inject({
          method: 'DELETE',
          url: '/v1/queue/tokens/current',
          headers: { authorization: `Bearer ${t}` },
        }),
      ),
    );
    // Within its lag: a stale position, never nearer the front than the truth (15).
    expect((await poll(lagging, last)).body.position).toBe(20);
    await sleep(450);
    const counter = countRedisPolls(lagging);
    expect((await poll(lagging, last)).body.position).toBe(15);
    expect(counter.calls).toBe(1);
    lagging.replicas.pause(concertId, false);
    const deadline = Date.now() + 3000;
    while (!lagging.replicas.inspect(concertId)?.isFresh && Date.now() < deadline) await sleep(20);
    expect((await poll(lagging, last)).body.position).toBe(15);
    expect(counter.calls).toBe(1);
    counter.restore();
  });

  it('a restarted instance rebuilds its replica from a snapshot and answers the truth', async () => {
    const concertId = 1005;
    await openRoom(apps[0]!, concertId, { maxActive: 7 });
    const tokens: string[] = [];
    for (let i = 0; i < 40; i++) tokens.push((await join(apps[i % 3]!, 5000 + i, concertId)).body.token);
    await apps[0]!.promoter.runTick(); // 7 admitted
    await Promise.all(
      [11, 12, 30].map((i) =>
        apps[2]!.inject({
          method: 'DELETE',
          url: '/v1/queue/tokens/current',
          headers: { authorization: `Bearer ${tokens[i]}` },
        }),
      ),
    );
    const fresh = await w.build();
    await waitFresh(fresh, concertId, tokens[39]!);
    expect(fresh.replicas.inspect(concertId)?.waiting).toBe(30);
    for (const t of tokens) {
      const { body } = await poll(fresh, t);
      const truth = await truePosition(fresh, t);
      if (truth === null) expect(body.status).not.toBe('WAITING');
      else expect(body).toMatchObject({ status: 'WAITING', position: truth });
    }
  });

  it('starts again from a snapshot when Redis lost the room’s stream', async () => {
    const concertId = 1006;
    const app = apps[1]!;
    await openRoom(app, concertId);
    const a = (await join(app, 6001, concertId)).body.token;
    const b = (await join(app, 6002, concertId)).body.token;
    await waitFresh(app, concertId, b);
    const k = app.queue.keys.room(concertId);
    // The stream is gone (a Redis that lost data), and the first user left meanwhile.
    await app.queue.expireToken(app.tokens.verifyToken(a), 'leave');
    await w.redis.del(k.events);
    await app.replicas.runTick();
    expect(app.replicas.inspect(concertId)?.isFresh).toBe(false);
    const deadline = Date.now() + 3000;
    while (!app.replicas.inspect(concertId)?.isFresh && Date.now() < deadline) await sleep(20);
    expect(app.replicas.inspect(concertId)?.waiting).toBe(1);
    expect((await poll(app, b)).body).toMatchObject({ status: 'WAITING', position: 1 });
    expect((await poll(app, a)).body).toEqual({ status: 'EXPIRED' });
  });
});
