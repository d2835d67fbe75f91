import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ScheduleParams, SeatList } from '../../schemas/schedules.ts';
import { readSeatList } from '../../services/catalog.ts';

const scheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/schedules/:scheduleId/seats',
    {
      preHandler: app.requireActiveToken,
      schema: {
        params: ScheduleParams,
        response: { 200: SeatList, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const seats = await readSeatList(app, request.claims!, toId(request.params.scheduleId));
      // Already JSON, so Fastify sends it as it is.
      return reply.type('application/json; charset=utf-8').send(seats as never);
    },
  );
};

export default scheduleRoutes;
