import { AppError, problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { assertTokenConcert } from '../../plugins/token-gate.ts';
import { ScheduleParams, SeatList } from '../../schemas/schedules.ts';
import { findScheduleConcert, listSeats } from '../../services/catalog.ts';

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
    async (request) => {
      const scheduleId = toId(request.params.scheduleId);
      const concertId = await findScheduleConcert(app.prisma, scheduleId);
      if (concertId === null) throw new AppError('SCHEDULE_NOT_FOUND', 404, `no schedule ${scheduleId}`);
      assertTokenConcert(request.claims!, concertId);
      return listSeats(app.prisma, scheduleId);
    },
  );
};

export default scheduleRoutes;
