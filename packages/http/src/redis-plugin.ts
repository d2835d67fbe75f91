import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createRedis, type RedisTarget } from './redis.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The request-path connection: fails fast while Redis is down, so requests answer 503. */
    redis: Redis;
  }
}

async function redisPlugin(app: FastifyInstance, opts: { target: RedisTarget; name: string }) {
  const redis = createRedis(opts.target, { name: opts.name, logger: app.log });
  await redis.connect();
  app.decorate('redis', redis);
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
}

/** The Redis connection of a service, from the one factory; closed with the app. */
export default fp(redisPlugin, { name: 'redis', fastify: '5.x' });
