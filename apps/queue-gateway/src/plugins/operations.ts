import { metricsPlugin, openApiPlugin, type RouteDoc } from '@concert/http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import queueMetricsPlugin from './queue-metrics.ts';

/** Every route of the gateway, as `/docs` lists it. A test checks that no route is missing here. */
export const GATEWAY_ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /v1/queue/tokens': {
    tag: 'queue',
    auth: 'user',
    summary: "Join a concert's waiting room",
    description:
      'Joins as the user token’s user. Joining again while the token is WAITING or ACTIVE is idempotent: the same token and its current status.',
  },
  'GET /v1/queue/status': {
    tag: 'queue',
    auth: 'queue',
    summary: 'Poll a queue token',
    description:
      'WAITING (position, estimate, pollAfterMs), ACTIVE (expiresAt) or EXPIRED. Polling is the liveness signal: poll again after pollAfterMs.',
  },
  'GET /v1/queue/stream': {
    tag: 'queue',
    auth: 'queue',
    summary: 'Push updates (Server-Sent Events)',
    description:
      '`event: status` with a QueueStatus whenever it changes, `: ping` at least every 15 s; ends after ACTIVE or EXPIRED.',
  },
  'DELETE /v1/queue/tokens/current': {
    tag: 'queue',
    auth: 'queue',
    summary: 'Leave the waiting room',
    description: 'The token becomes EXPIRED and its place is freed at once.',
  },
  'GET /v1/admin/queues': {
    tag: 'admin',
    auth: 'admin',
    summary: 'List the open waiting rooms',
    description: 'Every open room with its live counts and configuration, ordered by concert.',
  },
  'PUT /v1/admin/queues/:concertId': {
    tag: 'admin',
    auth: 'admin',
    summary: 'Open or reconfigure a waiting room',
    description: 'An omitted field keeps its value, or takes the QUEUE_* default for a new room.',
  },
  'GET /v1/admin/queues/:concertId': { tag: 'admin', auth: 'admin', summary: 'Read a waiting room' },
  'DELETE /v1/admin/queues/:concertId': {
    tag: 'admin',
    auth: 'admin',
    summary: 'Close a waiting room',
    description: 'Its tokens become EXPIRED.',
  },
  'GET /health/live': { tag: 'operations', auth: 'none', summary: 'Liveness: the process runs' },
  'GET /health/ready': { tag: 'operations', auth: 'none', summary: 'Readiness: Redis answers' },
  'GET /metrics': { tag: 'operations', auth: 'none', summary: 'Prometheus metrics (text format)' },
};

/**
 * Operations of the gateway: `/metrics` (HTTP and waiting-room series) and the OpenAPI reference at
 * `/docs`. Registered before the routes, which the reference collects as they are added.
 */
async function operationsPlugin(app: FastifyInstance) {
  // The reference first: it lists only the routes added after it, /metrics among them.
  await app.register(openApiPlugin, {
    title: 'queue-gateway',
    description: 'The virtual waiting room: one room per concert, in Redis. Contract: API.md (v2).',
    version: '2.0.0',
    routes: GATEWAY_ROUTE_DOCS,
    tags: [
      { name: 'queue', description: 'Fans: join, wait, leave' },
      { name: 'admin', description: 'Operators (X-Admin-Key)' },
      { name: 'operations', description: 'Health and metrics' },
    ],
  });
  await app.register(metricsPlugin);
  await app.register(queueMetricsPlugin);
}

export default fp(operationsPlugin, { name: 'operations', dependencies: ['queue'], fastify: '5.x' });
