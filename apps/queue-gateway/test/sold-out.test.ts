import { adjustSeatsLeft, registerQueueScripts, seatsLeftKey, setSeatsLeft } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll, sleep } from './helpers.ts';

/** Polls until `predicate` holds for the body; `soldOut` may be up to one refresh (250 ms) stale. */
async function pollUntil(app: GatewayApp, token: string, predicate: (b: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const { body } = await poll(app, token);
    if (predicate(body)) return body;
    if (Date.now() > deadline) throw new Error(`poll never matched: ${JSON.stringify(body)}`);
    await sleep(50);
  }
}

describe('soldOut on WAITING statuses', () => {
  const world = createGatewayWorld('sold-out');
  let w: Awaited<typeof world>;
  let apps: GatewayApp[];

  beforeAll(async () => {
    w = await world;
    // This test writes the seats-left count as the booking API does, with its scripts.
    registerQueueScripts(w.redis);
    apps = [await w.build(), await w.build()];
  });
  afterAll(async () => w.close());

  it('is false while the count was never set, and a lone adjustment does not set it', async () => {
    const concertId = 301;
    await openRoom(apps[0]!, concertId);
    const joined = await join(apps[0]!, 1, concertId);
    expect(joined.body).toMatchObject({ status: 'WAITING', soldOut: false });
    expect(await adjustSeatsLeft(w.redis, concertId, -1, w.prefix)).toBeNull();
    expect(await w.redis.exists(seatsLeftKey(concertId, w.prefix))).toBe(0);
    expect((await poll(apps[1]!, joined.body.token)).body).toMatchObject({
      status: 'WAITING',
      soldOut: false,
    });
  });

  it('turns true when the last seat goes and false again when a hold is released, on every instance', async () => {
    const concertId = 302;
    await openRoom(apps[0]!, concertId);
    await setSeatsLeft(w.redis, concertId, 2, w.prefix);
    const { token } = (await join(apps[0]!, 2, concertId)).body;
    for (const app of apps) expect((await poll(app, token)).body.soldOut).toBe(false);

    // Two fans hold the last two seats at once (the booking API's writes).
    await Promise.all([
      adjustSeatsLeft(w.redis, concertId, -1, w.prefix),
      adjustSeatsLeft(w.redis, concertId, -1, w.prefix),
    ]);
    expect(await w.redis.get(seatsLeftKey(concertId, w.prefix))).toBe('0');
    for (const app of apps) await pollUntil(app, token, (b) => b.soldOut === true);

    expect(await adjustSeatsLeft(w.redis, concertId, 1, w.prefix)).toBe(1);
    for (const app of apps) await pollUntil(app, token, (b) => b.soldOut === false);
  });

  it('reads the count once per room per refresh, not once per poll', async () => {
    const concertId = 303;
    await openRoom(apps[0]!, concertId);
    await setSeatsLeft(w.redis, concertId, 0, w.prefix);
    const tokens = await Promise.all(
      Array.from(
        { length: 40 },
        async (_, i) => (await join(apps[1]!, 100 + i, concertId)).body.token as string,
      ),
    );
    const app = apps[1]!;
    const read = app.queue.readSeatsLeft;
    const concertsRead: number[] = [];
    app.queue.readSeatsLeft = (ids) => {
      concertsRead.push(...ids);
      return read(ids);
    };
    const started = Date.now();
    const bodies = await Promise.all([...tokens, ...tokens].map(async (t) => (await poll(app, t)).body));
    const elapsed = Date.now() - started;
    app.queue.readSeatsLeft = read;
    expect(bodies.every((b) => b.status === 'WAITING' && b.soldOut === true)).toBe(true);
    // 80 polls; at most one read of this room per 250 ms refresh (plus one in flight).
    expect(concertsRead.filter((c) => c === concertId).length).toBeLessThanOrEqual(
      Math.ceil(elapsed / 250) + 1,
    );
  });

  it('is left off ACTIVE and EXPIRED statuses', async () => {
    const concertId = 304;
    await openRoom(apps[0]!, concertId, { maxActive: 1 });
    await setSeatsLeft(w.redis, concertId, 0, w.prefix);
    const first = (await join(apps[0]!, 401, concertId)).body;
    await apps[0]!.promoter.runTick();
    expect((await poll(apps[0]!, first.token)).body).toEqual({
      status: 'ACTIVE',
      expiresAt: expect.any(String),
    });
    const rejoined = await join(apps[0]!, 401, concertId);
    expect(rejoined.body).not.toHaveProperty('soldOut');
    await apps[0]!.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect((await poll(apps[0]!, first.token)).body).toEqual({ status: 'EXPIRED' });
  });

  it('survives the room being closed and opened again (the booking API owns the count)', async () => {
    const concertId = 305;
    await openRoom(apps[0]!, concertId);
    await setSeatsLeft(w.redis, concertId, 0, w.prefix);
    await apps[0]!.inject({
      method: 'DELETE',
      url: `/v1/admin/queues/${concertId}`,
      headers: { 'x-admin-key': 'test-admin-key' },
    });
    expect(await w.redis.get(seatsLeftKey(concertId, w.prefix))).toBe('0');
    await openRoom(apps[0]!, concertId);
    expect((await join(apps[0]!, 501, concertId)).body).toMatchObject({ status: 'WAITING', soldOut: true });
  });
});
