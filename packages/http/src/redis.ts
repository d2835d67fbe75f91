import { Redis, type RedisOptions } from 'ioredis';

export interface RedisLogger {
  warn(obj: object, msg: string): void;
}

export interface CreateRedisOptions {
  /** A name for logs and `CLIENT LIST`. */
  name: string;
  logger?: RedisLogger;
  /**
   * BullMQ's blocking connections need `maxRetriesPerRequest: null`. Request-path connections instead
   * fail fast while Redis is down, so that a client gets 503 UNAVAILABLE rather than a hung request.
   */
  forBullMq?: boolean;
}

/** The one factory for Redis connections: a retry strategy and an `error` listener, always. */
export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    // Keep the v5 wire protocol: the Lua replies and BullMQ are written against RESP2 shapes.
    protocol: 2,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...(options.forBullMq
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5000 }),
  };
  const redis = new Redis(url, redisOptions);
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    // ioredis emits an error on every failed reconnect; one line every 5 s is enough to see it.
    const now = Date.now();
    if (now - lastLogged < 5000) return;
    lastLogged = now;
    options.logger?.warn({ err: { message: err.message }, redis: options.name }, 'redis connection error');
  });
  return redis;
}
