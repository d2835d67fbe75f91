import { parseQueueEvent } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, sleep } from './helpers.ts';

/** Admission times from the room's event stream: one entry per batch, with its size. */
async function readAdmissions(redis: import('ioredis').Redis, stream: string) {
  const entries = await redis.xrange(stream, '-', '+');
  const out: { at: number; count: number }[] = [];
  for (const [, fields] of entries) {
    const event = parseQueueEvent(fields);
    if (event?.kind === 'A') out.push({ at: event.at.getTime(), count: event.tokens.length });
  }
  return out;
}

/** The most admissions inside any window of `ms` milliseconds. */
function maxInWindow(admissions: { at: number; count: number }[], ms: number): number {
  let best = 0;
  for (const a of admissions) {
    const sum = admissions.filter((b) => b.at >= a.at && b.at < a.at + ms).reduce((s, b) => s + b.count, 0);
    best = Math.max(best, sum);
  }
  return best;
}

describe('three gateway instances promoting against one Redis', () => {
  const world = createGatewayWorld('instances');
  let w: Awaited<typeof world>;
  let apps: GatewayApp[];

  beforeAll(async () => {
    w = await world;
    const env = { PROMOTER_ENABLED: 'true', PROMOTER_INTERVAL_MS: '20' };
    apps = [await w.build(env), await w.build(env), await w.build(env)];
  });
  afterAll(async () => w.close());

  it('never admits more than admitPerSecond in any one-second window', async () => {
    const concertId = 21;
    const perSecond = 40;
    await openRoom(apps[0]!, concertId, { admitPerSecond: perSecond, maxActive: 100_000 });
    // Enough demand for about 6 seconds at the limit; joins go through all three instances.
    await Promise.all(Array.from({ length: 240 }, (_, i) => join(apps[i % 3]!, 5000 + i, concertId)));
    await sleep(4500);
    const stream = apps[0]!.queue.keys.room(concertId).events;
    const admissions = await readAdmissions(w.redis, stream);
    const total = admissions.reduce((s, a) => s + a.count, 0);
    // It kept admitting at about the rate (not stalled), and no window ever held more than the rate.
    expect(total).toBeGreaterThanOrEqual(perSecond * 3);
    expect(maxInWindow(admissions, 1000)).toBeLessThanOrEqual(perSecond);
  });

  it('never lets more than maxActive be ACTIVE, while slots expire and refill', async () => {
    const concertId = 22;
    const maxActive = 25;
    await openRoom(apps[1]!, concertId, { admitPerSecond: 10_000, maxActive, activeTtlSeconds: 1 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => join(apps[i % 3]!, 8000 + i, concertId)));
    const active = apps[0]!.queue.keys.room(concertId).active;
    let peak = 0;
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) {
      // Counted as the clients see it: tokens whose expiry is still ahead.
      const [seconds, micros] = await w.redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      peak = Math.max(peak, await w.redis.zcount(active, `(${now}`, '+inf'));
      await sleep(5);
    }
    const stats = await apps[2]!.queue.readRoomStats(concertId);
    expect(peak).toBe(maxActive);
    // Slots expired after one second and were refilled: more than one room's worth was admitted.
    expect(stats!.admittedLastMinute).toBeGreaterThan(maxActive * 2);
  });
});
