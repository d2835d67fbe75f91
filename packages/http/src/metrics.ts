import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry, served at `/metrics`; domain metrics register here too. */
    metrics: Registry;
  }
}

/**
 * Buckets from 1 ms to 10 s: a poll answers in about 2 ms when idle and in hundreds of ms in an
 * on-sale's rush (the 20,000-user run: poll p99 815 ms, join p50 2.9 s), so both ends need resolution.
 */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The label of requests that matched no route, so that scanners cannot mint one series per URL. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Prometheus metrics of one app, in a registry of its own (tests run several apps in one process):
 * `http_request_duration_seconds` by method, route pattern and status code, plus Node's process
 * metrics, served in the text format at `GET /metrics`. A route is labelled by its pattern
 * (`/v1/schedules/:scheduleId/seats`), never its URL, so the number of series stays bounded.
 */
async function metricsPlugin(app: FastifyInstance) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  app.decorate('metrics', registry);

  // A callback hook, not an async one: it runs on every poll, the hottest request there is.
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: { produces: ['text/plain'], response: { 200: { type: 'string' } } },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' });
