import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createGatewayWorld, type GatewayApp, join, openRoom, poll } from './helpers.ts';

/** The value of one series in Prometheus text, or undefined when the series is absent. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('gateway metrics and the room list', () => {
  const world = createGatewayWorld('metrics');
  let w: Awaited<typeof world>;
  let app: GatewayApp;

  beforeAll(async () => {
    w = await world;
    app = await w.build();
  });
  afterAll(async () => w.close());

  const scrape = async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('counts waiting, active and admitted per room, and drops a closed room’s series', async () => {
    await openRoom(app, 71, { maxActive: 2, admitPerSecond: 100 });
    await openRoom(app, 72, { maxActive: 1 });
    for (const u of [1, 2, 3, 4, 5]) expect((await join(app, u, 71)).statusCode).toBe(201);
    expect((await join(app, 9, 72)).statusCode).toBe(201);
    await app.promoter.runTick();

    let text = await scrape();
    expect(seriesValue(text, 'queue_waiting{concert="71"}')).toBe(3);
    expect(seriesValue(text, 'queue_active{concert="71"}')).toBe(2);
    expect(seriesValue(text, 'queue_admitted_total{concert="71"}')).toBe(2);
    expect(seriesValue(text, 'queue_waiting{concert="72"}')).toBe(0);
    expect(seriesValue(text, 'queue_active{concert="72"}')).toBe(1);
    expect(seriesValue(text, 'queue_admitted_total{concert="72"}')).toBe(1);

    // One ACTIVE leaves: the next tick admits one more, and the counter only grows.
    const first = (await join(app, 1, 71)).body.token as string;
    await app.inject({
      method: 'DELETE',
      url: '/v1/queue/tokens/current',
      headers: { authorization: `Bearer ${first}` },
    });
    await app.promoter.runTick();
    text = await scrape();
    expect(seriesValue(text, 'queue_waiting{concert="71"}')).toBe(2);
    expect(seriesValue(text, 'queue_admitted_total{concert="71"}')).toBe(3);

    await app.inject({ method: 'DELETE', url: '/v1/admin/queues/72', headers: { 'x-admin-key': ADMIN_KEY } });
    text = await scrape();
    expect(seriesValue(text, 'queue_waiting{concert="72"}')).toBeUndefined();
    expect(seriesValue(text, 'queue_active{concert="72"}')).toBeUndefined();
    expect(seriesValue(text, 'queue_waiting{concert="71"}')).toBe(2);
  });

  it('times requests by method, route pattern and status, never by raw URL', async () => {
    const { body } = await join(app, 20, 71);
    await poll(app, body.token);
    await poll(app, body.token);
    await app.inject({ method: 'GET', url: '/no/such/route/12345' });
    const text = await scrape();
    expect(
      seriesValue(
        text,
        'http_request_duration_seconds_count{method="GET",route="/v1/queue/status",status_code="200"}',
      ),
    ).toBeGreaterThanOrEqual(2);
    expect(
      seriesValue(
        text,
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('12345');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/queue/status"',
    );
  });

  it('lists every open room with its stats, for operators only', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/admin/queues',
      headers: { 'x-admin-key': ADMIN_KEY },
    });
    expect(res.statusCode).toBe(200);
    const rooms = res.json() as { concertId: number; waiting: number; active: number; config: object }[];
    expect(rooms.map((r) => r.concertId)).toEqual([71]);
    expect(rooms[0]).toMatchObject({ concertId: 71, waiting: 3, active: 2, config: { maxActive: 2 } });

    const refused = await app.inject({ method: 'GET', url: '/v1/admin/queues' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().code).toBe('ADMIN_KEY_INVALID');
  });
});
