import { problemResponses } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Room } from '../../schemas/admin.ts';
import { readOpenRoomStats } from '../../services/open-rooms.ts';

/**
 * `GET /v1/admin/queues`: every open room with its stats, for the operator's dashboard. Additive to
 * the contract.
 */
const roomListRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireAdminKey);

  app.get(
    '/v1/admin/queues',
    { schema: { response: { 200: Type.Array(Room), ...problemResponses(401, 429, 503) } } },
    async () => readOpenRoomStats(app.queue),
  );
};

export default roomListRoutes;
