import type { BookingConfig } from '@concert/config';
import { problemResponses } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { PaymentResponse, paymentBody } from '../../schemas/payments.ts';
import { type PaymentContext, pay } from '../../services/payments.ts';

const paymentRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  const paymentContext: PaymentContext = {
    sql: app.sql,
    catalog: app.catalog,
    prisma: app.prisma,
    seatChanges: app.seatChanges,
    queue: app.queue,
  };
  app.post(
    '/v1/payments',
    {
      // The token's state is read here but judged by the service: a replay is answered whatever it is.
      preHandler: app.readQueueToken,
      schema: {
        headers: IdempotencyHeaders,
        body: paymentBody(opts.config.MAX_HOLDS_PER_USER),
        response: { 201: PaymentResponse, ...problemResponses(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const answer = await pay(paymentContext, {
        claims: request.claims!,
        tokenState: request.tokenState,
        reservationIds: request.body.reservationIds,
        idempotencyKey: request.headers['idempotency-key'],
        log: request.log,
      });
      // 201, or a replay's stored status, which is the same 201 (only successes are stored).
      return reply.status(answer.statusCode as 201).send(answer.body);
    },
  );
};

export default paymentRoutes;
