import { type GatewayConfig, userTokenSettings } from '@concert/config';
import {
  drainOnClosePlugin,
  isRedisUnavailable,
  loggerOptions,
  problemJson,
  quietRequestLogging,
  rateLimitPlugin,
  redisPlugin,
  redisTargetOf,
  serverOptions,
  useStrictValidation,
} from '@concert/http';
import { identityPlugin } from '@concert/identity';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import fp from 'fastify-plugin';
import authPlugin from './plugins/auth.ts';
import operationsPlugin from './plugins/operations.ts';
import promoterPlugin from './plugins/promoter.ts';
import queuePlugin from './plugins/queue.ts';
import replicasPlugin from './plugins/replicas.ts';
import soldOutPlugin from './plugins/sold-out.ts';
import streamsPlugin from './plugins/streams.ts';
import adminRoutes from './routes/admin/queues.ts';
import roomListRoutes from './routes/admin/rooms.ts';
import healthRoutes from './routes/health/index.ts';
import queueRoutes from './routes/queue/index.ts';

export interface GatewayAppOptions {
  config: GatewayConfig;
}

/** The queue-gateway as a plugin: services first, then routes. It never listens. */
async function gatewayApp(app: FastifyInstance, opts: GatewayAppOptions) {
  const { config } = opts;
  useStrictValidation(app);
  await app.register(problemJson, { isDependencyError: isRedisUnavailable });
  await app.register(drainOnClosePlugin);
  await app.register(redisPlugin, { target: redisTargetOf(config), name: 'queue-gateway' });
  await app.register(queuePlugin, { config });
  await app.register(operationsPlugin);
  await app.register(authPlugin, { adminApiKey: config.ADMIN_API_KEY });
  await app.register(identityPlugin, { ...userTokenSettings(config), queueTokens: app.tokens });
  // A join counts per user, a poll per queue token (user and concert), anything else per address.
  await app.register(rateLimitPlugin, {
    max: config.RATE_LIMIT_MAX,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    clientKey: app.clientKeyOf,
  });
  await app.register(replicasPlugin, {
    isEnabled: config.REPLICA_ENABLED,
    maxLagMs: config.REPLICA_MAX_LAG_MS,
    tickMs: config.REPLICA_TICK_MS,
  });
  await app.register(promoterPlugin, {
    isEnabled: config.PROMOTER_ENABLED,
    intervalMs: config.PROMOTER_INTERVAL_MS,
    batchMax: config.PROMOTER_BATCH_MAX,
  });
  await app.register(soldOutPlugin);
  await app.register(streamsPlugin, { tickMs: config.STREAM_TICK_MS, pingMs: config.STREAM_PING_MS });
  await app.register(healthRoutes);
  await app.register(queueRoutes);
  await app.register(adminRoutes);
  await app.register(roomListRoutes);
}

/** Wrapped by fastify-plugin, so that its services (queue, tokens, promoter) show on the root instance. */
export default fp(gatewayApp, { name: 'queue-gateway', fastify: '5.x' });

/** A ready-to-listen Fastify instance with the gateway registered; used by server.ts, tests and benches. */
export async function buildGatewayApp(config: GatewayConfig, overrides: FastifyServerOptions = {}) {
  const app = Fastify({
    ...serverOptions,
    logger: loggerOptions(config.LOG_LEVEL),
    // Polls and stream opens are most of the gateway's requests: two log lines each at info.
    logController: new LogController({
      disableRequestLogging: quietRequestLogging(config.LOG_LEVEL, ['/v1/queue/status', '/v1/queue/stream']),
    }),
    ...overrides,
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(gatewayApp, { config });
  return app;
}
