import { AppError, problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tokenNotActive } from '../../errors.ts';
import { ConcertList, ConcertParams, ScheduleList } from '../../schemas/concerts.ts';
import { concertExists, listConcerts, listSchedules } from '../../services/catalog.ts';

const concertNotFound = (concertId: number) =>
  new AppError('CONCERT_NOT_FOUND', 404, `no concert ${concertId}`);

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
    async (request) => {
      const concertId = toId(request.params.concertId);
      const claims = request.claims!;
      if (concertId !== claims.concertId) {
        // Another concert's resource is 403 only where it exists; an unknown one is 404.
        if (await concertExists(app.prisma, concertId))
          throw tokenNotActive('the queue token belongs to another concert');
        throw concertNotFound(concertId);
      }
      const schedules = await listSchedules(app.prisma, concertId);
      if (schedules.length === 0 && !(await concertExists(app.prisma, concertId)))
        throw concertNotFound(concertId);
      return schedules;
    },
  );
};

export default concertRoutes;
