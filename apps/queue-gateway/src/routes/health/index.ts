import { problemResponses } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { unavailable } from '../../errors.ts';

const Health = Type.Object({ status: Type.Literal('ok') });

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    { config: { rateLimit: false }, schema: { response: { 200: Health } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    { config: { rateLimit: false }, schema: { response: { 200: Health, ...problemResponses(503) } } },
    async () => {
      try {
        await app.redis.ping();
      } catch {
        throw unavailable('redis does not answer', 2);
      }
      return { status: 'ok' as const };
    },
  );
};

export default healthRoutes;
