import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConcertList, ConcertParams, ScheduleList } from '../../schemas/concerts.ts';
import { listConcertSchedules, listConcerts } from '../../services/catalog.ts';

const concertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/concerts',
    { schema: { response: { 200: ConcertList, ...problemResponses(429, 503) } } },
    async () => listConcerts(app.prisma),
  );

  app.get(
    '/v1/concerts/:concertId/schedules',
    {
      preHandler: app.requireActiveToken,
      schema: {
        params: ConcertParams,
        response: { 200: ScheduleList, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => listConcertSchedules(app.prisma, request.claims!, toId(request.params.concertId)),
  );
};

export default concertRoutes;
