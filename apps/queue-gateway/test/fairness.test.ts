import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayWorld,
  type GatewayApp,
  join,
  mapConcurrent,
  openRoom,
  poll,
  userToken,
} from './helpers.ts';

const N = 500;
const CONCERT = 11;

describe('fairness under concurrency', () => {
  const world = createGatewayWorld('fairness');
  let w: Awaited<typeof world>;
  let app: GatewayApp;
  let url: string;
  type Joined = { userId: number; token: string; position: number; status: number };
  let joined: Joined[];

  beforeAll(async () => {
    w = await world;
    ({ app, url } = await w.listen());
    await openRoom(app, CONCERT, { maxActive: 1_000_000, admitPerSecond: 1_000_000 });
    // N clients join at once over real sockets.
    const users = Array.from({ length: N }, (_, i) => 1000 + i);
    joined = await mapConcurrent(users, 100, async (userId) => {
      const res = await fetch(`${url}/v1/queue/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await userToken(userId)}` },
        body: JSON.stringify({ concertId: CONCERT }),
      });
      const body = (await res.json()) as { token: string; position: number };
      return { userId, token: body.token, position: body.position, status: res.status };
    });
  });
  afterAll(async () => w.close());

  it('gives every client a distinct token and positions exactly 1..N', () => {
    expect(joined.every((j) => j.status === 201)).toBe(true);
    expect(new Set(joined.map((j) => j.token)).size).toBe(N);
    const positions = joined.map((j) => j.position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it('reports the same positions on poll, ordered as the joins were', async () => {
    const polled = await mapConcurrent(joined, 50, async (j) => ({
      ...j,
      now: (await poll(app, j.token)).body,
    }));
    const polledPositions = polled.map((p) => p.now.position).sort((a: number, b: number) => a - b);
    expect(polledPositions).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    for (const p of polled) expect(p.now.position).toBe(p.position);
  });

  it('returns the same token and position on a rejoin, with 200', async () => {
    const sample = joined.filter((_, i) => i % 50 === 0);
    for (const j of sample) {
      const res = await join(app, j.userId, CONCERT);
      expect(res.statusCode).toBe(200);
      expect(res.body.token).toBe(j.token);
      expect(res.body.position).toBe(j.position);
    }
  });

  it('admits in join order, batch by batch, with nobody overtaking', async () => {
    await app.inject({
      method: 'PUT',
      url: `/v1/admin/queues/${CONCERT}`,
      headers: { 'x-admin-key': 'test-admin-key' },
      payload: { admitPerSecond: 100 },
    });
    const byPosition = [...joined].sort((a, b) => a.position - b.position);
    let admittedSoFar = 0;
    for (let tick = 0; tick < 40 && admittedSoFar < N; tick++) {
      await app.promoter.runTick();
      await new Promise((r) => setTimeout(r, 60));
      const states = await mapConcurrent(byPosition, 50, async (j) => (await poll(app, j.token)).body.status);
      const admitted = states.filter((s) => s === 'ACTIVE').length;
      // The ACTIVE tokens are exactly a prefix of the join order.
      expect(states.slice(0, admitted).every((s) => s === 'ACTIVE')).toBe(true);
      expect(states.slice(admitted).every((s) => s === 'WAITING')).toBe(true);
      expect(admitted).toBeGreaterThanOrEqual(admittedSoFar);
      admittedSoFar = admitted;
    }
    expect(admittedSoFar).toBeGreaterThan(0);
  });
});
