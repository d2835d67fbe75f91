import type { TokenCodec } from '@concert/queue-core';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
  /** Verifies Bearer tokens, so that a verified token is counted per user and concert. */
  tokens: TokenCodec;
}

/**
 * Per-client request limits. A request with a valid token is counted per token (user and concert), so
 * a crowd behind one carrier NAT is not throttled as one client; anything else is counted per IP.
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
    keyGenerator(request: FastifyRequest) {
      const auth = request.headers.authorization;
      if (auth?.startsWith('Bearer ')) {
        try {
          const c = opts.tokens.verifyToken(auth.slice(7));
          return `t:${c.concertId}:${c.userId}`;
        } catch {
          // an invalid token is counted by address
        }
      }
      return `ip:${request.ip}`;
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
