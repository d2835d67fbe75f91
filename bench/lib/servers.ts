/**
 * The servers under test, one per process (lib/child.ts `startServer`), configured from the environment
 * the bench passes. `gateway` and `booking` are built exactly as their server.ts builds them. `bare`,
 * the baseline, is one route with the gateway's server options and no logger, returning a poll-sized
 * JSON body through a response schema: it pays for the HTTP stack and serialisation, nothing more.
 */
import { loadBookingConfig, loadGatewayConfig } from '@concert/config';
import { serverOptions } from '@concert/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { type ServerKind, serveToParent } from './child.ts';

const int = { type: 'integer' };
const poll = { status: { type: 'string' }, position: int, estimatedWaitSeconds: int, pollAfterMs: int };

async function buildBare(): Promise<FastifyInstance> {
  const app = Fastify({ ...serverOptions, logger: false });
  app.get('/bare', { schema: { response: { 200: { type: 'object', properties: poll } } } }, async () => ({
    status: 'WAITING',
    position: 123_456,
    estimatedWaitSeconds: 2469,
    pollAfterMs: 30_000,
  }));
  return app;
}

const build: Record<ServerKind, () => Promise<FastifyInstance>> = {
  bare: buildBare,
  // Imported on demand: a gateway process never loads the booking API (nor Prisma), and the reverse.
  gateway: async () =>
    (await import('@concert/queue-gateway')).buildGatewayApp(loadGatewayConfig(process.env)),
  booking: async () => (await import('@concert/booking-api')).buildBookingApp(loadBookingConfig(process.env)),
};
await serveToParent(await build[process.argv[2] as ServerKind]());
