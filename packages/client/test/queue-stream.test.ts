import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  createGatewayClient,
  type QueueStatus,
  type StatusSource,
  watchQueue,
} from '../src/index.ts';

/**
 * The stream reader against a server that speaks the contract's `GET /v1/queue/stream` byte for
 * byte, in the awkward ways a real network delivers it: events cut across chunks, comments, a
 * dropped connection. The end-to-end test in client.test.ts follows the real gateway's stream.
 */
type Handler = (req: IncomingMessage, res: ServerResponse, visit: number) => void;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(routes: Record<string, Handler>) {
  const visits = new Map<string, number>();
  const seen: { path: string; authorization: string | undefined; url: string }[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, authorization: req.headers.authorization, url: req.url ?? '' });
    const visit = (visits.get(path) ?? 0) + 1;
    visits.set(path, visit);
    const handler = routes[path];
    if (handler) handler(req, res, visit);
    else res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"code":"NOT_FOUND"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen };
}

const event = (status: QueueStatus) => `event: status\ndata: ${JSON.stringify(status)}\n\n`;
const waiting = (position: number): QueueStatus => ({
  status: 'WAITING',
  position,
  estimatedWaitSeconds: position,
  pollAfterMs: 100,
});
const openStream = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function watch(url: string, token = 'queue-token-1') {
  const statuses: [QueueStatus, StatusSource][] = [];
  const done = watchQueue({
    gateway: createGatewayClient({ baseUrl: url, retry: false }),
    streamUrl: `${url}/v1/queue/stream`,
    token,
    onStatus: (s, source) => statuses.push([s, source]),
  });
  return { statuses, done };
}

describe('watchQueue on a stream', () => {
  it('reads statuses cut across chunks, skips comments, and ends with ACTIVE', async () => {
    const { url, seen } = await serve({
      '/v1/queue/stream': async (_req, res) => {
        openStream(res);
        const bytes = `: ping\n\n${event(waiting(3))}${event(waiting(2))}: ping\n\n${event(waiting(1))}`;
        // Split mid-field and mid-JSON, as TCP may.
        for (const piece of [bytes.slice(0, 13), bytes.slice(13, 60), bytes.slice(60)]) {
          res.write(piece);
          await later(20);
        }
        res.end(event({ status: 'ACTIVE', expiresAt: '2027-01-01T00:10:00.000Z' }));
      },
    });
    const { statuses, done } = watch(url);
    await expect(done).resolves.toEqual({ status: 'ACTIVE', expiresAt: '2027-01-01T00:10:00.000Z' });
    expect(statuses.map(([s, source]) => [s.status === 'WAITING' ? s.position : s.status, source])).toEqual([
      [3, 'stream'],
      [2, 'stream'],
      [1, 'stream'],
      ['ACTIVE', 'stream'],
    ]);
    // The token travels in the Authorization header, never in the URL.
    expect(seen).toEqual([
      { path: '/v1/queue/stream', authorization: 'Bearer queue-token-1', url: '/v1/queue/stream' },
    ]);
  });

  it('after a dropped stream, polls once and opens the stream again with the same token', async () => {
    const { url, seen } = await serve({
      '/v1/queue/stream': (_req, res, visit) => {
        openStream(res);
        if (visit === 1) {
          res.write(event(waiting(2)));
          setTimeout(() => res.destroy(), 30);
          return;
        }
        res.end(event({ status: 'ACTIVE', expiresAt: '2027-01-01T00:10:00.000Z' }));
      },
      '/v1/queue/status': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(waiting(1)));
      },
    });
    const { statuses, done } = watch(url);
    await expect(done).resolves.toMatchObject({ status: 'ACTIVE' });
    expect(seen.map((s) => s.path)).toEqual(['/v1/queue/stream', '/v1/queue/status', '/v1/queue/stream']);
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(['Bearer queue-token-1']));
    expect(statuses.map(([, source]) => source)).toEqual(['stream', 'poll', 'stream']);
  });

  it('polls for good when the gateway has no stream route', async () => {
    const { url, seen } = await serve({
      '/v1/queue/status': (_req, res, visit) => {
        const body =
          visit < 3 ? waiting(3 - visit) : { status: 'ACTIVE', expiresAt: '2027-01-01T00:10:00.000Z' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
    });
    const { statuses, done } = watch(url);
    await expect(done).resolves.toMatchObject({ status: 'ACTIVE' });
    expect(seen.map((s) => s.path)).toEqual([
      '/v1/queue/stream',
      '/v1/queue/status',
      '/v1/queue/status',
      '/v1/queue/status',
    ]);
    expect(statuses.map(([, source]) => source)).toEqual(['poll', 'poll', 'poll']);
  });

  it('rejects with the problem when the gateway refuses the token', async () => {
    const { url } = await serve({
      '/v1/queue/stream': (_req, res) => {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end(
          JSON.stringify({
            status: 401,
            code: 'TOKEN_INVALID',
            detail: 'bad signature',
            title: 'Unauthorized',
            type: 'x',
          }),
        );
      },
    });
    const { done } = watch(url, 'forged');
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
  });

  it('stops at once when its signal aborts', async () => {
    const { url } = await serve({
      '/v1/queue/stream': (_req, res) => {
        openStream(res);
        res.write(event(waiting(5)));
      },
    });
    const controller = new AbortController();
    const done = watchQueue({
      gateway: createGatewayClient({ baseUrl: url }),
      streamUrl: `${url}/v1/queue/stream`,
      token: 't',
      signal: controller.signal,
      onStatus: () => controller.abort(new Error('left the page')),
    });
    await expect(done).rejects.toThrow('left the page');
  });
});
