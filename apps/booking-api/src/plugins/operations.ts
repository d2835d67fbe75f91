import { metricsPlugin, openApiPlugin, type RouteDoc } from '@concert/http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import bookingMetricsPlugin from './booking-metrics.ts';

/** Every route of the booking API, as `/docs` lists it. A test checks that no route is missing here. */
export const BOOKING_ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /v1/concerts': { tag: 'catalog', auth: 'none', summary: 'List the concerts' },
  'GET /v1/concerts/:concertId/schedules': {
    tag: 'catalog',
    auth: 'queue',
    summary: "List a concert's dates",
    description: 'Takes an ACTIVE queue token for that concert.',
  },
  'GET /v1/schedules/:scheduleId/seats': {
    tag: 'catalog',
    auth: 'queue',
    summary: "List a date's seats with their status",
    description: 'AVAILABLE, HELD or SOLD. Takes an ACTIVE queue token for the concert.',
  },
  'POST /v1/reservations': {
    tag: 'booking',
    auth: 'queue',
    summary: 'Hold a seat',
    description: 'The hold lasts HOLD_TTL_SECONDS (expiresAt); at most one live reservation per seat.',
  },
  'GET /v1/reservations/:reservationId': {
    tag: 'booking',
    auth: 'queue',
    summary: 'Read a reservation of yours',
    description: 'Also with the token its payment expired, so a buyer can read what they paid for.',
  },
  'POST /v1/payments': {
    tag: 'booking',
    auth: 'queue',
    summary: 'Pay for held seats from the balance',
    description: 'All or nothing. Idempotency-Key replays return the first answer and charge nothing.',
  },
  'GET /v1/users/:userId/balance': { tag: 'balance', auth: 'user', summary: 'Read your balance' },
  'POST /v1/users/:userId/balance/charges': {
    tag: 'balance',
    auth: 'user',
    summary: 'Top up your balance',
    description: 'Idempotent with Idempotency-Key.',
  },
  'POST /v1/admin/concerts': {
    tag: 'admin',
    auth: 'admin',
    summary: 'Create a concert with its dates and seats',
    description:
      'Section row R with n seats makes seats R1…Rn. One transaction; anything malformed writes nothing.',
  },
  'GET /v1/admin/concerts/:concertId': {
    tag: 'admin',
    auth: 'admin',
    summary: 'Read a concert with sold, held and revenue per date',
  },
  'POST /v1/dev/login': {
    tag: 'development',
    auth: 'none',
    summary: 'Development login: a user token for any user',
    description: 'Only with AUTH_DEV_LOGIN=true; without it the route does not exist.',
  },
  'GET /health/live': { tag: 'operations', auth: 'none', summary: 'Liveness: the process runs' },
  'GET /health/ready': { tag: 'operations', auth: 'none', summary: 'Readiness: MySQL and Redis answer' },
  'GET /metrics': { tag: 'operations', auth: 'none', summary: 'Prometheus metrics (text format)' },
};

/**
 * Operations of the booking API: `/metrics` (HTTP and booking series) and the OpenAPI reference at
 * `/docs`. Registered before the routes, which the reference collects as they are added.
 */
async function operationsPlugin(app: FastifyInstance) {
  // The reference first: it lists only the routes added after it, /metrics among them.
  await app.register(openApiPlugin, {
    title: 'booking-api',
    description: 'Concerts, seats, holds, balance and payment, on MySQL. Contract: API.md (v2).',
    version: '2.0.0',
    routes: BOOKING_ROUTE_DOCS,
    tags: [
      { name: 'catalog', description: 'Concerts, dates and seats' },
      { name: 'booking', description: 'Holds and payments (queue token)' },
      { name: 'balance', description: 'A user’s prepaid balance (user token)' },
      { name: 'admin', description: 'Operators (X-Admin-Key)' },
      { name: 'development', description: 'Only with AUTH_DEV_LOGIN=true' },
      { name: 'operations', description: 'Health and metrics' },
    ],
  });
  await app.register(metricsPlugin);
  await app.register(bookingMetricsPlugin);
}

export default fp(operationsPlugin, { name: 'operations', fastify: '5.x' });
