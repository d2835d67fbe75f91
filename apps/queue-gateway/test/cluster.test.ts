import { createKeySpace, seatsLeftKey } from '@concert/queue-core';
import { TEST_REDIS_CLUSTER_NODES } from '@concert/testing';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll } from './helpers.ts';

// Runs in the suite's Redis Cluster pass only (scripts/test.sh sets TEST_REDIS_CLUSTER_NODES): a
// room's keys share one hash slot, so its Lua scripts run on one master, and rooms spread over the
// masters, so one hot on-sale does not put every room on one core.
describe.skipIf(!TEST_REDIS_CLUSTER_NODES)('on a Redis Cluster', () => {
  const world = createGatewayWorld('cluster');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
  });
  afterAll(async () => w.close());

  it("keeps each room's keys in one slot, and spreads rooms over more than one master", async () => {
    const keys = createKeySpace(w.prefix);
    const concerts = Array.from({ length: 12 }, (_, i) => 901 + i);
    for (const concertId of concerts) {
      await openRoom(app, concertId);
      const joined = await join(app, concertId, concertId);
      expect(joined.statusCode).toBe(201);
      expect((await poll(app, joined.body.token)).statusCode).toBe(200);

      const room = keys.room(concertId);
      const names = [
        ...Object.values(room).filter((v): v is string => typeof v === 'string'),
        room.seenEpoch(7500, 123),
        room.userBucket(concertId),
        keys.paidToken(concertId, 1, 1),
        seatsLeftKey(concertId, w.prefix),
      ];
      const slots = new Set(await Promise.all(names.map((k) => w.redis.cluster('KEYSLOT', k))));
      expect(slots.size).toBe(1);
    }

    // Which master holds each open room's config hash: asked of every master directly.
    const cluster = w.redis as unknown as Cluster;
    expect(cluster).toBeInstanceOf(Cluster);
    const masters = cluster.nodes('master');
    expect(masters.length).toBeGreaterThanOrEqual(3);
    const holders = new Map<number, number>();
    for (const [i, node] of masters.entries()) {
      for (const concertId of concerts) {
        const slot = await w.redis.cluster('KEYSLOT', keys.room(concertId).room);
        if (
          Number(await node.cluster('COUNTKEYSINSLOT', slot)) > 0 &&
          (await node.exists(keys.room(concertId).room))
        ) {
          holders.set(concertId, i);
        }
      }
    }
    expect(holders.size).toBe(concerts.length);
    expect(new Set(holders.values()).size).toBeGreaterThan(1);
  });
});
