import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
  /**
   * Who the request is from, once its credentials are verified (a user id, a queue token's user and
   * concert), or undefined to count it by address.
   */
  clientKey: (request: FastifyRequest) => string | undefined | Promise<string | undefined>;
}

/**
 * Per-client request limits. A request with verified credentials is counted per client (the service
 * says what that is), so a crowd behind one carrier NAT is not throttled as one client; anything else
 * is counted per IP.
 * Counters live in each instance's memory: a Redis round trip per request would double the cost of a
 * poll, and an abuser spread over N instances still meets N times a small limit.
 * Routes opt out with `config: { rateLimit: false }` (health).
 */
async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions) {
  if (opts.max === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowSeconds * 1000,
    cache: 100_000,
    async keyGenerator(request: FastifyRequest) {
      const client = await opts.clientKey(request);
      return client === undefined ? `ip:${request.ip}` : client;
    },
    errorResponseBuilder(_request, context) {
      return new AppError(
        'RATE_LIMITED',
        429,
        `more than ${context.max} requests in ${context.after}`,
        Math.max(1, Math.ceil(context.ttl / 1000)),
      );
    },
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x' });
