import { type BookingConfig, userTokenSettings } from '@concert/config';
import {
  drainOnClosePlugin,
  isRedisUnavailable,
  loggerOptions,
  problemJson,
  rateLimitPlugin,
  redisPlugin,
  redisTargetOf,
  serverOptions,
  useStrictValidation,
} from '@concert/http';
import { identityPlugin } from '@concert/identity';
import { createKeySpace } from '@concert/queue-core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from './db/errors.ts';
import catalogPlugin from './plugins/catalog.ts';
import holdQueuePlugin from './plugins/hold-queue.ts';
import operationsPlugin from './plugins/operations.ts';
import prismaPlugin from './plugins/prisma.ts';
import redlockPlugin from './plugins/redlock.ts';
import sqlPlugin from './plugins/sql.ts';
import tokenGatePlugin from './plugins/token-gate.ts';
import usersPlugin from './plugins/users.ts';
import workersPlugin from './plugins/workers.ts';
import adminConcertRoutes from './routes/admin/concerts.ts';
import concertRoutes from './routes/concerts/index.ts';
import devRoutes from './routes/dev/index.ts';
import healthRoutes from './routes/health/index.ts';
import paymentRoutes from './routes/payments/index.ts';
import reservationRoutes from './routes/reservations/index.ts';
import scheduleRoutes from './routes/schedules/index.ts';
import userRoutes from './routes/users/index.ts';

export interface BookingAppOptions {
  config: BookingConfig;
}

/** A dependency that is down answers 503 UNAVAILABLE with Retry-After, never a 500. */
const isDependencyError = (error: unknown) => isRedisUnavailable(error) || isDatabaseUnavailable(error);

/** The booking API as a plugin: services first, then routes. It never listens. */
async function bookingApp(app: FastifyInstance, opts: BookingAppOptions) {
  const { config } = opts;
  const keys = createKeySpace(config.REDIS_KEY_PREFIX);

  useStrictValidation(app);
  await app.register(problemJson, { isDependencyError });
  await app.register(drainOnClosePlugin);
  await app.register(operationsPlugin);
  await app.register(redisPlugin, { target: redisTargetOf(config), name: 'booking-api' });
  await app.register(prismaPlugin, {
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
  });
  await app.register(sqlPlugin, {
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
  });
  await app.register(catalogPlugin, { config });
  await app.register(usersPlugin);
  await app.register(tokenGatePlugin, { prefix: config.REDIS_KEY_PREFIX, secret: config.QUEUE_TOKEN_SECRET });
  await app.register(redlockPlugin, { target: redisTargetOf(config), leaseMs: config.SEAT_LOCK_TTL_MS });
  await app.register(holdQueuePlugin, { target: redisTargetOf(config), bullPrefix: keys.bullPrefix() });
  await app.register(identityPlugin, { ...userTokenSettings(config), queueTokens: app.tokens });
  // Keyed as the gateway keys it: per queue token (user and concert), per user token, else per address.
  await app.register(rateLimitPlugin, {
    max: config.RATE_LIMIT_MAX,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    clientKey: app.clientKeyOf,
  });
  await app.register(workersPlugin, { config });

  await app.register(healthRoutes);
  await app.register(concertRoutes);
  await app.register(scheduleRoutes);
  await app.register(reservationRoutes, { config });
  await app.register(paymentRoutes, { config });
  await app.register(userRoutes, { config });
  await app.register(adminConcertRoutes, { adminApiKey: config.ADMIN_API_KEY });
  if (config.AUTH_DEV_LOGIN && config.AUTH_JWT_SECRET) {
    await app.register(devRoutes, {
      secret: config.AUTH_JWT_SECRET,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    });
  }
}

/** Wrapped by fastify-plugin, so that its services (prisma, holdExpiry, workers, …) show on the root instance. */
const bookingAppPlugin = fp(bookingApp, { name: 'booking-api', fastify: '5.x' });
export default bookingAppPlugin;

/** A ready-to-listen Fastify instance with the booking API registered; used by server.ts, tests and benches. */
export async function buildBookingApp(config: BookingConfig, overrides: FastifyServerOptions = {}) {
  const app = Fastify({
    ...serverOptions,
    logger: loggerOptions(config.LOG_LEVEL),
    ...overrides,
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(bookingAppPlugin, { config });
  return app;
}
