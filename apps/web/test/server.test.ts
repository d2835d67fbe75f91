import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, createBookingClient, createGatewayClient, unwrap } from '@concert/client';
import { loadWebConfig } from '@concert/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebServer } from '../server/app.ts';
import { startWebStack, type WebStack } from './helpers/web-stack.ts';

let stack: WebStack;
beforeAll(async () => {
  stack = await startWebStack('web_server');
}, 120_000);
afterAll(() => stack?.close());

describe('the web server', () => {
  it('serves both pages with a strict content security policy', async () => {
    for (const path of ['/', '/admin', '/?concert=1']) {
      const res = await fetch(`${stack.webUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app"></div>');
    }
  });

  it('sends hashed assets compressed and cacheable for a year', async () => {
    const html = await (await fetch(`${stack.webUrl}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const res = await fetch(`${stack.webUrl}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${stack.webUrl}/assets/nope.js`)).status).toBe(404);
  });

  it('reaches both APIs under its own origin: bodies, credentials and refusals pass through', async () => {
    const booking = createBookingClient({ baseUrl: `${stack.webUrl}/booking` });
    const gateway = createGatewayClient({ baseUrl: `${stack.webUrl}/gateway` });
    const sale = await stack.platform.createSale({ seats: 10 });
    const { userToken } = unwrap(await booking.POST('/v1/dev/login', { body: { userId: 7 } }));
    const joined = unwrap(
      await gateway.POST('/v1/queue/tokens', {
        headers: bearer(userToken),
        body: { concertId: sale.concertId },
      }),
    );
    expect(joined.userId).toBe(7);
    const refused = await gateway.POST('/v1/queue/tokens', { body: { concertId: sale.concertId } });
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.error).toMatchObject({ code: 'AUTH_INVALID' });
    const docs = await fetch(`${stack.webUrl}/booking/docs/json`);
    expect((await docs.json()).paths['/v1/reservations']).toBeDefined();
  });
});

describe('a stream through the proxy', () => {
  let upstream: Server;
  let webUrl: string;
  let closeWeb: () => Promise<unknown>;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    // An upstream that sends one event, then holds the response open until told to finish.
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(
        `event: status\ndata: ${JSON.stringify({ status: 'WAITING', position: 2, auth: req.headers.authorization })}\n\n`,
      );
      release = () => res.end('event: status\ndata: {"status":"ACTIVE"}\n\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const web = await buildWebServer(
      loadWebConfig({ GATEWAY_URL: upstreamUrl, BOOKING_URL: upstreamUrl, LOG_LEVEL: 'silent' }),
      { distDir: stack.distDir },
    );
    await web.listen({ port: 0, host: '127.0.0.1' });
    webUrl = `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`;
    closeWeb = () => web.close();
  });
  afterAll(async () => {
    release();
    await closeWeb?.();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('passes each event on as it comes, not when the response ends', async () => {
    const res = await fetch(`${webUrl}/gateway/v1/queue/stream`, {
      headers: { authorization: 'Bearer t-1' },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The upstream has not finished: this read resolves only if the proxy did not buffer.
    const first = await reader.read();
    expect(first.value).toContain('"position":2');
    expect(first.value).toContain('"auth":"Bearer t-1"');
    release();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += value;
    }
    expect(rest).toContain('"ACTIVE"');
  });
});
