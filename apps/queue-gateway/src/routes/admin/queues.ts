import { NoBody, problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queueNotFound } from '../../errors.ts';
import { Room, RoomConfigBody, RoomParams } from '../../schemas/admin.ts';

const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireAdminKey);

  async function readRoom(concertId: number) {
    const stats = await app.queue.readRoomStats(concertId);
    if (!stats) throw queueNotFound(concertId);
    return stats;
  }

  app.put(
    '/v1/admin/queues/:concertId',
    {
      schema: {
        params: RoomParams,
        body: RoomConfigBody,
        response: { 200: Room, ...problemResponses(400, 401, 429, 503) },
      },
    },
    async (request) => {
      const concertId = toId(request.params.concertId);
      // The room as this open left it, read in the same atomic call: a DELETE right after cannot turn
      // the answer into a 404.
      const { created, room } = await app.queue.openRoom(concertId, request.body ?? {}, app.roomDefaults);
      request.log.info(
        { concertId, created, config: room.config },
        created ? 'room opened' : 'room reconfigured',
      );
      return room;
    },
  );

  app.get(
    '/v1/admin/queues/:concertId',
    { schema: { params: RoomParams, response: { 200: Room, ...problemResponses(400, 401, 404, 429, 503) } } },
    async (request) => readRoom(toId(request.params.concertId)),
  );

  app.delete(
    '/v1/admin/queues/:concertId',
    { schema: { params: RoomParams, response: { 204: NoBody, ...problemResponses(400, 401, 429, 503) } } },
    async (request, reply) => {
      const concertId = toId(request.params.concertId);
      const wasOpen = await app.queue.closeRoom(concertId);
      app.replicas.noteWrite(concertId);
      request.log.info({ concertId, wasOpen }, 'room closed');
      return reply.status(204).send(null);
    },
  );
};

export default adminRoutes;
