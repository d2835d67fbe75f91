import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

export interface RateLimitOptions {
  /** Requests per client per window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
  /**
   * Who the request is from, once its credentials are verified (a user id, a queue token's user and
   * concert), or undefined to count it by address. Answer synchronously when you can: a promise
   * costs the request a trip through the microtask queue.
   */
  clientKey: (request: FastifyRequest) => string | undefined | Promise<string | undefined>;
}

/** Clients whose windows are kept; the least recently seen goes first. */
const CACHE_MAX = 100_000;

interface Window {
  count: number;
  startMs: number;
}

/**
 * Per-client request limits. A request with verified credentials is counted per client (the service
 * says what that is), so a crowd behind one carrier NAT is not throttled as one client; anything else
 * is counted per IP.
 * Counters live in each instance's memory: a Redis round trip per request would double the cost of a
 * poll, and an abuser spread over N instances still meets N times a small limit.
 * Routes opt out with `config: { rateLimit: false }` (health).
 *
 * The counting of @fastify/rate-limit's local store, which this replaced (fixed windows opened by a
 * client's first request, least-recently-used eviction, the same `x-ratelimit-*` headers and 429):
 * its hook is async and awaits the key generator and the store. In a CPU profile of the gateway's
 * polls (bench:gateway, rate limit on) its hook, its key and the token check in it took 9 % of busy
 * time; this callback hook, run in the request's own turn with a synchronous key, takes 5 %.
 */
async function rateLimitPlugin(app: FastifyInstance, opts: RateLimitOptions) {
  if (opts.max === 0) return;
  const { max, clientKey } = opts;
  const windowMs = opts.windowSeconds * 1000;
  const windows = new Map<string, Window>();

  /** One more request of `key`; sets the headers, and returns the 429 when it is one too many. */
  function count(key: string, reply: FastifyReply): AppError | undefined {
    const now = Date.now();
    let w = windows.get(key);
    if (w) {
      // Most recently used last, so that the first key is the one to evict.
      windows.delete(key);
      if (w.startMs + windowMs <= now) {
        w.count = 1;
        w.startMs = now;
      } else w.count++;
    } else {
      w = { count: 1, startMs: now };
      if (windows.size >= CACHE_MAX) windows.delete(windows.keys().next().value!);
    }
    windows.set(key, w);
    const ttlMs = windowMs - (now - w.startMs);
    const resetSeconds = Math.ceil(ttlMs / 1000);
    reply.header('x-ratelimit-limit', max);
    if (w.count <= max) {
      reply.header('x-ratelimit-remaining', max - w.count);
      reply.header('x-ratelimit-reset', resetSeconds);
      return undefined;
    }
    reply.header('x-ratelimit-remaining', 0);
    reply.header('x-ratelimit-reset', resetSeconds);
    return new AppError(
      'RATE_LIMITED',
      429,
      `more than ${max} requests in ${formatDuration(resetSeconds * 1000)}`,
      Math.max(1, resetSeconds),
    );
  }

  function limit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const client = clientKey(request);
    if (client instanceof Promise) {
      client.then(
        (c) => done(count(c === undefined ? `ip:${request.ip}` : c, reply)),
        (err: Error) => done(err),
      );
      return;
    }
    done(count(client === undefined ? `ip:${request.ip}` : client, reply));
  }

  app.addHook('onRoute', (route) => {
    if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit === false) return;
    const hooks = route.onRequest;
    route.onRequest =
      hooks === undefined ? [limit] : Array.isArray(hooks) ? [...hooks, limit] : [hooks, limit];
  });
}

/** A duration as its largest whole unit, "1 minute", "30 seconds" (how @fastify/rate-limit worded its 429). */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [365.25 * 86_400_000, 'year'],
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const n = Math.round(ms / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x' });
