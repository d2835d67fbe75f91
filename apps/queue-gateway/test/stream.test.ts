import { adjustSeatsLeft, registerQueueScripts, setSeatsLeft } from '@concert/queue-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayWorld, type GatewayApp, join, openRoom, poll, sleep } from './helpers.ts';

type Status = { status: string; position?: number; expiresAt?: string; soldOut?: boolean };

/**
 * A Server-Sent Events reader over fetch, as a browser reads the stream: every `event: status` in
 * order, the comments, and whether the server ended the stream.
 */
function openStream(url: string, token: string) {
  const controller = new AbortController();
  const statuses: Status[] = [];
  const comments: string[] = [];
  let isEnded = false;
  let buffered = '';
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const response = fetch(`${url}/v1/queue/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const done = (async () => {
    const res = await response;
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut = buffered.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          if (block.startsWith(':')) comments.push(block);
          else {
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (block.includes('event: status')) statuses.push(JSON.parse(data));
          }
          cut = buffered.indexOf('\n\n');
        }
        wake();
      }
      isEnded = true;
    } catch {
      // aborted by the test
    }
    wake();
  })();
  return {
    response,
    statuses,
    comments,
    done,
    isEnded: () => isEnded,
    close: () => controller.abort(),
    /** Resolves once `predicate` holds for what has arrived; fails after `ms`. */
    async until(predicate: () => boolean, ms = 5000) {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`stream: timed out; got ${JSON.stringify(statuses)}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(50)]);
      }
    },
  };
}

const leave = (app: GatewayApp, token: string) =>
  app.inject({
    method: 'DELETE',
    url: '/v1/queue/tokens/current',
    headers: { authorization: `Bearer ${token}` },
  });

describe('GET /v1/queue/stream', () => {
  const world = createGatewayWorld('stream');
  let w: Awaited<typeof world>;
  let app: GatewayApp;
  let url: string;

  beforeAll(async () => {
    w = await world;
    // This test writes the seats-left count as the booking API does, with its scripts.
    registerQueueScripts(w.redis);
    ({ app, url } = await w.listen());
  });
  afterAll(async () => w.close());

  it('answers a bad or missing token with a problem+json 401, before any stream', async () => {
    for (const authorization of ['Bearer not-a-token', '']) {
      const res = await fetch(`${url}/v1/queue/stream`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('TOKEN_INVALID');
    }
  });

  it('sends the status at once, pushes each new position, then ACTIVE, and ends', async () => {
    const concertId = 901;
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000, activeTtlSeconds: 600 });
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(async (u) => (await join(app, 100 + u, concertId)).body),
    );
    // Joined in order a, b, c (joins are serialized by the sequence, but Promise.all may reorder them).
    const order = [a, b, c].sort((x, y) => x.position - y.position);
    const [first, second, third] = order;
    const stream = openStream(url, third.token);
    const res = await stream.response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.until(() => stream.statuses.length >= 1);
    expect(stream.statuses[0]).toMatchObject({ status: 'WAITING', position: 3 });

    expect((await leave(app, first.token)).statusCode).toBe(204);
    await stream.until(() => stream.statuses.at(-1)?.position === 2);
    await app.promoter.runTick(); // second is admitted into the one slot
    await stream.until(() => stream.statuses.at(-1)?.position === 1);
    expect((await poll(app, second.token)).body.status).toBe('ACTIVE');
    await leave(app, second.token); // its slot is free
    await app.promoter.runTick();
    await stream.until(() => stream.isEnded());
    expect(stream.statuses.map((s) => s.position ?? s.status)).toEqual([3, 2, 1, 'ACTIVE']);
    // The stream saw what a poll sees: the same expiry, the full TTL claimed.
    const polled = (await poll(app, third.token)).body;
    expect(polled).toEqual(stream.statuses.at(-1));
    expect(Date.parse(polled.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(app.streams.count()).toBe(0);
  });

  it('sends one status and ends at once for a token that is already EXPIRED', async () => {
    const concertId = 902;
    await openRoom(app, concertId);
    const { token } = (await join(app, 201, concertId)).body;
    await leave(app, token);
    const stream = openStream(url, token);
    await stream.done;
    expect(stream.isEnded()).toBe(true);
    expect(stream.statuses).toEqual([{ status: 'EXPIRED' }]);
  });

  it('keeps the token live while the stream is open, past the idle timeout', async () => {
    const concertId = 903;
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000, idleTimeoutSeconds: 1 });
    const holder = (await join(app, 301, concertId)).body;
    const streamed = (await join(app, 302, concertId)).body;
    const silent = (await join(app, 303, concertId)).body;
    await app.promoter.runTick(); // holder takes the one slot; the others wait
    await poll(app, holder.token); // claims the full TTL
    const stream = openStream(url, streamed.token);
    await stream.until(() => stream.statuses.length >= 1);
    // Three idle timeouts pass with the promoter sweeping idle tokens the whole time.
    for (let i = 0; i < 12; i++) {
      await sleep(250);
      await app.promoter.runTick();
    }
    stream.close();
    expect((await poll(app, streamed.token)).body).toMatchObject({ status: 'WAITING', position: 1 });
    expect((await poll(app, silent.token)).body).toEqual({ status: 'EXPIRED' });
  });

  it('serves a reconnection with the same token from where it stands, and forgets the lost stream', async () => {
    const concertId = 904;
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000 });
    const ahead = (await join(app, 401, concertId)).body;
    const me = (await join(app, 402, concertId)).body;
    const lost = openStream(url, me.token);
    await lost.until(() => lost.statuses.length >= 1);
    expect(lost.statuses[0]).toMatchObject({ status: 'WAITING', position: 2 });
    lost.close();
    await leave(app, ahead.token);
    const again = openStream(url, me.token);
    await again.until(() => again.statuses.length >= 1);
    expect(again.statuses[0]).toMatchObject({ status: 'WAITING', position: 1 });
    await expectEventually(() => app.streams.count() === 1);
    again.close();
    await expectEventually(() => app.streams.count() === 0);
  });

  it('pushes soldOut when the last seat goes, and again when a seat comes back', async () => {
    const concertId = 907;
    await openRoom(app, concertId);
    await setSeatsLeft(w.redis, concertId, 1, w.prefix);
    const { token } = (await join(app, 701, concertId)).body;
    const stream = openStream(url, token);
    await stream.until(() => stream.statuses.length >= 1);
    expect(stream.statuses[0]).toMatchObject({ status: 'WAITING', position: 1, soldOut: false });
    await adjustSeatsLeft(w.redis, concertId, -1, w.prefix);
    await stream.until(() => stream.statuses.at(-1)?.soldOut === true);
    await adjustSeatsLeft(w.redis, concertId, 1, w.prefix);
    await stream.until(() => stream.statuses.at(-1)?.soldOut === false);
    expect(stream.statuses.map((s) => s.soldOut)).toEqual([false, true, false]);
    stream.close();
  });

  it('sends `: ping` while nothing changes, and no repeated status', async () => {
    const quiet = await w.listen({ STREAM_PING_MS: '200' });
    const concertId = 906;
    await openRoom(quiet.app, concertId);
    const { token } = (await join(quiet.app, 601, concertId)).body;
    const stream = openStream(quiet.url, token);
    await stream.until(() => stream.comments.length >= 3, 5000);
    expect(stream.comments.every((c) => c === ': ping')).toBe(true);
    expect(stream.statuses).toHaveLength(1);
    stream.close();
  });

  it('reads all of a room’s streams with one Redis call per tick, with exact positions', async () => {
    const concertId = 905;
    await openRoom(app, concertId, { maxActive: 1, admitPerSecond: 1000 });
    const users = Array.from({ length: 60 }, (_, i) => 500 + i);
    const tokens: string[] = [];
    for (const u of users) tokens.push((await join(app, u, concertId)).body.token);
    const streams = tokens.map((t) => openStream(url, t));
    await Promise.all(streams.map((s) => s.until(() => s.statuses.length >= 1)));
    expect(streams.map((s) => s.statuses[0]!.position)).toEqual(users.map((_, i) => i + 1));

    // Count the reads while ten places ahead leave at once.
    const read = app.queue.readStatuses;
    let calls = 0;
    app.queue.readStatuses = (...args) => {
      calls++;
      return read(...args);
    };
    const ticksBefore = Date.now();
    await Promise.all(tokens.slice(0, 10).map((t) => leave(app, t)));
    await Promise.all(streams.slice(10).map((s, i) => s.until(() => s.statuses.at(-1)?.position === i + 1)));
    const elapsed = Date.now() - ticksBefore;
    app.queue.readStatuses = read;
    // One read per tick (125 ms) for the whole room, not one per stream.
    expect(calls).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    for (const s of streams) s.close();
  });
});

async function expectEventually(predicate: () => boolean, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
