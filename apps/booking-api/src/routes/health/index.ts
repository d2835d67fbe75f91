import { problemResponses } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { unavailable } from '../../errors.ts';

const Health = Type.Object({ status: Type.Literal('ok') });

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    { config: { rateLimit: false }, schema: { response: { 200: Health } } },
    async () => ({
      status: 'ok' as const,
    }),
  );

  app.get(
    '/health/ready',
    { config: { rateLimit: false }, schema: { response: { 200: Health, ...problemResponses(503) } } },
    async () => {
      const [mysql, redis] = await Promise.allSettled([app.prisma.$queryRaw`SELECT 1`, app.redis.ping()]);
      const down = [
        mysql.status === 'rejected' ? 'mysql' : null,
        redis.status === 'rejected' ? 'redis' : null,
      ].filter(Boolean);
      if (down.length > 0) throw unavailable(`${down.join(' and ')} does not answer`, 2);
      return { status: 'ok' as const };
    },
  );
};

export default healthRoutes;
