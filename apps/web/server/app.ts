import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WebConfig } from '@concert/config';
import { loggerOptions, serverOptions } from '@concert/http';
import httpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController } from 'fastify';

/** Where each API answers under the web app's origin, as a reverse proxy in production would. */
export const API_PREFIXES = { gateway: '/gateway', booking: '/booking' } as const;

/** The catalog endpoint takes up to 1 MiB (31 dates × 200 sections); the upstreams enforce their own limits. */
const PROXY_BODY_LIMIT = 1024 * 1024;

/** The pages: the fan's (`/?concert=<id>`) and the operator's (`/admin`). */
const PAGES: Record<string, string> = { '/': 'index.html', '/admin': 'admin.html' };

/**
 * Only same-origin code and calls: the APIs are under this origin. uPlot sets styles through the
 * DOM (allowed); nothing is inlined in the HTML.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface WebServerOptions {
  /** The built pages and assets (`vite build`): `apps/web/dist`. */
  distDir: string;
}

/**
 * The web app's server: the built pages and assets, and both APIs reverse-proxied under its own
 * origin (`/gateway/*`, `/booking/*`), so the browser needs no CORS and the user token in a page's
 * fragment never leaves it. Responses pass through as they arrive, a stream's events included.
 */
export async function buildWebServer(config: WebConfig, opts: WebServerOptions) {
  for (const page of Object.values(PAGES)) {
    if (!existsSync(join(opts.distDir, page))) {
      throw new Error(`web: ${page} is not built in ${opts.distDir}; run pnpm --filter @concert/web build`);
    }
  }
  const app = Fastify({
    ...serverOptions,
    bodyLimit: PROXY_BODY_LIMIT,
    logger: loggerOptions(config.LOG_LEVEL),
    // Every poll of every fan passes through here: one log line each would cost a third of the
    // throughput (STYLE.md, "Logs on hot paths"). Errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });

  for (const [service, prefix] of Object.entries(API_PREFIXES)) {
    const upstream = service === 'gateway' ? config.GATEWAY_URL : config.BOOKING_URL;
    await app.register(httpProxy, {
      upstream,
      prefix,
      rewritePrefix: '',
      replyOptions: {
        // Tell the API who the client is, as a production proxy does.
        rewriteRequestHeaders: (request, headers) => ({
          ...headers,
          'x-forwarded-for': request.ip,
          'x-forwarded-proto': request.protocol,
          'x-forwarded-host': request.hostname,
        }),
      },
    });
  }

  await app.register(fastifyStatic, {
    root: opts.distDir,
    index: false,
    // Serves the .br/.gz that the build wrote beside each asset.
    preCompressed: true,
    setHeaders(reply, path) {
      // Vite names assets by content hash: they never change under a name.
      reply.header(
        'cache-control',
        path.includes(`${join(opts.distDir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });

  for (const [url, file] of Object.entries(PAGES)) {
    app.get(url, (_request, reply) =>
      reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .sendFile(file),
    );
  }
  app.get('/health/live', async () => ({ status: 'ok' as const }));
  return app;
}
