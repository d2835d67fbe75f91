import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { closeOnSignal } from './shutdown.ts';

/** pino options shared by both services. Tokens and admin keys never reach a log line. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-admin-key"]',
        'req.headers["idempotency-key"]',
        'token',
      ],
      censor: '[redacted]',
    },
  };
}

/** Server options shared by both services: timeouts that bound a slow client, and request ids. */
/**
 * LogController's `disableRequestLogging` for a service's hottest routes (STYLE: hot paths log at debug):
 * their "incoming request" and "request completed" lines are written only at `debug` or `trace`.
 * Errors are still logged by the problem handler, and every request is counted in the metrics.
 */
export function quietRequestLogging(level: string, hotPaths: readonly string[]) {
  if (level === 'debug' || level === 'trace') return false;
  return (request: { url?: string }) => hotPaths.some((path) => request.url?.startsWith(path) === true);
}

export const serverOptions = {
  // A slow or stuck client must not hold a socket forever during an on-sale.
  connectionTimeout: 30_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 65_000,
  bodyLimit: 64 * 1024,
  // drainOnClosePlugin answers requests that arrive while closing, with problem+json and Retry-After.
  return503OnClosing: false,
  forceCloseConnections: 'idle',
} satisfies FastifyServerOptions;

/**
 * Listens, and on SIGINT/SIGTERM closes the app: onClose hooks stop background work, in-flight
 * requests drain, connections close. A second signal or the timeout exits at once.
 */
export async function listenWithGracefulShutdown(
  app: FastifyInstance,
  opts: { port: number; host: string; shutdownTimeoutMs: number },
): Promise<void> {
  closeOnSignal(app.log, opts.shutdownTimeoutMs, () => app.close());
  await app.listen({ port: opts.port, host: opts.host });
}

/**
 * A service's entry point: parse the config (a bad one exits with its one line), build the app, listen,
 * close gracefully on a signal.
 */
export async function runService<C extends { PORT: number; HOST: string; SHUTDOWN_TIMEOUT_MS: number }>(
  loadConfig: () => C,
  build: (config: C) => Promise<FastifyInstance>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const app = await build(config);
  await listenWithGracefulShutdown(app, {
    port: config.PORT,
    host: config.HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}
