import { Cluster, Redis, type RedisOptions } from 'ioredis';

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
  /** The connection also carries Redlock's locks (see REDLOCK_SCRIPTS). */
  forRedlock?: boolean;
}

/**
 * The scripts Redlock defines on a connection, on its first lock, each taking the key count as its
 * first argument. They are kept out of auto-pipelines for both reasons that break them there: an
 * automatic pipeline made before a script was defined lacks it, and ioredis then throws outside any
 * promise (redis/ioredis#1931); and on a Cluster ioredis routes an auto-pipelined command it does not
 * know by its first argument, here the key count, to a node that may not hold the key.
 */
export const REDLOCK_SCRIPTS = ['acquireLock', 'extendLock', 'releaseLock'] as const;

/** Where a service's Redis is: one server, or a cluster's seed nodes (`host:port`). */
export interface RedisTarget {
  url: string;
  clusterNodes?: string[] | undefined;
}

/** The target a service's config names: REDIS_CLUSTER_NODES when set, else REDIS_URL. */
export function redisTargetOf(config: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string[] | undefined;
}): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

/**
 * The one factory for Redis connections: a retry strategy and an `error` listener, always. On a
 * cluster it is an ioredis `Cluster`, typed as `Redis`: both expose the same commands, scripts and
 * pipelines, and every multi-key command and script of this project stays within one hash slot.
 */
export function createRedis(target: RedisTarget | string, options: CreateRedisOptions): Redis {
  const { url, clusterNodes } =
    typeof target === 'string' ? { url: target, clusterNodes: undefined } : target;
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
  // Auto-pipelining (not for BullMQ, which pipelines itself): the commands of one event-loop turn
  // leave in one write, one per node on a Cluster. On this machine a write to loopback cost ~100 µs
  // of kernel time, the gateway's largest cost in the 20,000-user rush; with it, join p50 fell from
  // 5.4 s to 0.97 s. A script must then be defined before its connection's first command (queue-core's
  // registerQueueScripts), or be kept out (REDLOCK_SCRIPTS).
  const pipelining = options.forBullMq
    ? {}
    : {
        enableAutoPipelining: true,
        autoPipeliningIgnoredCommands: options.forRedlock ? [...REDLOCK_SCRIPTS] : [],
      };
  const redis =
    clusterNodes && clusterNodes.length > 0
      ? (new Cluster(clusterNodes.map(parseNode), {
          redisOptions,
          ...pipelining,
          lazyConnect: true,
          clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
          ...(options.forBullMq ? {} : { enableOfflineQueue: false }),
          // Writes and reads go to the masters: the waiting rooms need read-your-writes.
          scaleReads: 'master',
        }) as unknown as Redis)
      : new Redis(url, { ...redisOptions, ...pipelining });
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

function parseNode(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}
