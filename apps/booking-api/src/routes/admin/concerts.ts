import { createAdminKeyGuard, problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AdminConcertParams,
  ConcertSales,
  CreateConcertBody,
  CreatedConcert,
} from '../../schemas/admin-concerts.ts';
import { createConcert, readConcertSales } from '../../services/concert-admin.ts';

/** 31 dates × 200 sections is about 400 KB of JSON; every other route keeps the 64 KiB limit. */
const CATALOG_BODY_LIMIT = 1024 * 1024;

/** The operator's catalog: X-Admin-Key, like the gateway's admin endpoints. */
const adminConcertRoutes: FastifyPluginAsyncTypebox<{ adminApiKey: string | undefined }> = async (
  app,
  opts,
) => {
  app.addHook('preHandler', createAdminKeyGuard(opts.adminApiKey));

  app.post(
    '/v1/admin/concerts',
    {
      bodyLimit: CATALOG_BODY_LIMIT,
      schema: {
        body: CreateConcertBody,
        response: { 201: CreatedConcert, ...problemResponses(400, 401, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      const created = await createConcert(app, request.body, request.log);
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/admin/concerts/:concertId',
    {
      schema: {
        params: AdminConcertParams,
        response: { 200: ConcertSales, ...problemResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => readConcertSales(app.prisma, toId(request.params.concertId)),
  );
};

export default adminConcertRoutes;
