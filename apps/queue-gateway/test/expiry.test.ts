import { createQueueCore } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll, sleep } from './helpers.ts';

describe('expiry frees slots', () => {
  const world = createGatewayWorld('expiry');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
  });
  afterAll(async () => w.close());

  /** Opens a room with one ACTIVE slot, admits user A, and queues user B behind it. */
  async function oneSlotTaken(concertId: number, config: Record<string, number> = {}) {
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000, ...config });
    const a = (await join(app, 1, concertId)).body;
    await app.promoter.runTick();
    expect((await poll(app, a.token)).body.status).toBe('ACTIVE');
    const b = (await join(app, 2, concertId)).body;
    await sleep(5);
    await app.promoter.runTick();
    expect((await poll(app, b.token)).body).toMatchObject({ status: 'WAITING', position: 1 });
    return { a: a.token as string, b: b.token as string };
  }

  it('expires a WAITING token that stopped polling, instead of admitting it', async () => {
    const concertId = 31;
    // User 99 holds the only slot, so ticks sweep without admitting.
    const { a: blocker } = await oneSlotTaken(concertId, { idleTimeoutSeconds: 1 });
    const quiet = (await join(app, 3, concertId)).body.token;
    const polling = (await join(app, 4, concertId)).body.token;
    await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${(await join(app, 2, concertId)).body.token}` },
    });
    expect((await poll(app, polling)).body.position).toBe(2);
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      await poll(app, polling);
    }
    // Within one promoter tick the quiet one no longer counts ahead of anyone; a poll answered from the
    // instance's replica may show it up to REPLICA_MAX_LAG_MS later (never nearer the front).
    await app.promoter.runTick();
    await expect
      .poll(async () => (await poll(app, polling)).body.position, { timeout: 3_000, interval: 100 })
      .toBe(1);
    expect((await poll(app, quiet)).body.status).toBe('EXPIRED');
    await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${blocker}` },
    });
    await app.promoter.runTick();
    expect((await poll(app, polling)).body.status).toBe('ACTIVE');
    // A user whose token EXPIRED gets a new token, at the back.
    const again = await join(app, 3, concertId);
    expect(again.statusCode).toBe(201);
    expect(again.body.token).not.toBe(quiet);
  });

  it('expires an ACTIVE token after activeTtlSeconds and admits the next', async () => {
    const { a, b } = await oneSlotTaken(32, { activeTtlSeconds: 1 });
    await sleep(1100);
    expect((await poll(app, a)).body.status).toBe('EXPIRED');
    await app.promoter.runTick();
    expect((await poll(app, b)).body.status).toBe('ACTIVE');
  });

  it('frees the slot at once when the holder leaves', async () => {
    const { a, b } = await oneSlotTaken(33);
    const res = await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${a}` },
    });
    expect(res.statusCode).toBe(204);
    expect((await poll(app, a)).body.status).toBe('EXPIRED');
    await sleep(5);
    await app.promoter.runTick();
    expect((await poll(app, b)).body.status).toBe('ACTIVE');
  });

  it('frees a WAITING place at once when a waiting user leaves', async () => {
    const concertId = 34;
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000 });
    const t1 = (await join(app, 1, concertId)).body.token;
    const t2 = (await join(app, 2, concertId)).body.token;
    await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${t1}` },
    });
    expect((await poll(app, t2)).body.position).toBe(1);
  });

  it('frees the slot at once after a payment, through queue-core as the booking API calls it', async () => {
    const concertId = 35;
    const { a, b } = await oneSlotTaken(concertId);
    // The booking API's own connection and queue-core instance, as after a payment.
    const booking = createQueueCore({ redis: w.redis, prefix: w.prefix });
    const claims = app.tokens.verifyToken(a);
    expect(await booking.expireToken(claims, 'paid')).toBe(true);
    expect((await booking.readTokenState(claims)).state).toBe('PAID');
    expect((await poll(app, a)).body.status).toBe('EXPIRED');
    await sleep(5);
    await app.promoter.runTick();
    expect((await poll(app, b)).body.status).toBe('ACTIVE');
  });

  it('closing a room expires every token in it', async () => {
    const { a, b } = await oneSlotTaken(36);
    const res = await app.inject({
      method: 'DELETE',
      url: '/v1/admin/queues/36',
      headers: { 'x-admin-key': 'test-admin-key' },
    });
    expect(res.statusCode).toBe(204);
    expect((await poll(app, a)).body.status).toBe('EXPIRED');
    expect((await poll(app, b)).body.status).toBe('EXPIRED');
    // Reopened, the room hands out new token ids: an old token stays EXPIRED.
    await openRoom(app, 36);
    const again = await join(app, 1, 36);
    expect(again.body.token).not.toBe(a);
    expect((await poll(app, a)).body.status).toBe('EXPIRED');
  });
});

describe('an admitted client that went silent', () => {
  const world = createGatewayWorld('unclaimed');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
  });
  afterAll(async () => w.close());

  it('keeps its idle deadline, not the whole activeTtlSeconds, and frees the slot for the next', async () => {
    await openRoom(app, 37, {
      maxActive: 1,
      admitPerSecond: 1000,
      idleTimeoutSeconds: 1,
      activeTtlSeconds: 600,
    });
    const silent = (await join(app, 1, 37)).body.token;
    await app.promoter.runTick();
    const next = (await join(app, 2, 37)).body.token;
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      await poll(app, next);
    }
    // The silent client never saw its admission; a second after its last poll its slot is free.
    await app.promoter.runTick();
    expect((await poll(app, silent)).body.status).toBe('EXPIRED');
    expect((await poll(app, next)).body.status).toBe('ACTIVE');
  });

  it('claims the full activeTtlSeconds from admission on its first poll that sees ACTIVE', async () => {
    await openRoom(app, 38, {
      maxActive: 1,
      admitPerSecond: 1000,
      idleTimeoutSeconds: 1,
      activeTtlSeconds: 600,
    });
    const token = (await join(app, 1, 38)).body.token;
    await app.promoter.runTick();
    const seen = (await poll(app, token)).body;
    expect(seen.status).toBe('ACTIVE');
    const ttlLeft = Date.parse(seen.expiresAt) - Date.now();
    expect(ttlLeft).toBeGreaterThan(590_000);
    await sleep(1200);
    await app.promoter.runTick();
    const later = (await poll(app, token)).body;
    expect(later).toEqual({ status: 'ACTIVE', expiresAt: seen.expiresAt });
  });
});
