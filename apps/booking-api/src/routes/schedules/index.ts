import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { assertTokenConcert, scheduleNotFound } from '../../errors.ts';
import { ScheduleParams, SeatList } from '../../schemas/schedules.ts';

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
      const scheduleId = toId(request.params.scheduleId);
      const schedule = await app.catalog.schedule(scheduleId);
      if (!schedule) throw scheduleNotFound(scheduleId);
      assertTokenConcert(request.claims!, schedule.concertId);
      // Already JSON (the micro-cache keeps the serialized list), so Fastify sends it as it is.
      return reply
        .type('application/json; charset=utf-8')
        .send((await app.seatLists.get(scheduleId)) as never);
    },
  );
};

export default scheduleRoutes;
