import type { BookingConfig } from '@concert/config';
import { problemResponses } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tokenNotActive } from '../../errors.ts';
import { IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { PaymentResponse, paymentBody } from '../../schemas/payments.ts';
import { findStoredAnswer } from '../../services/idempotency.ts';
import {
  hashPaymentRequest,
  PAYMENTS_ENDPOINT,
  type PaymentBody,
  payForReservations,
} from '../../services/payments.ts';

const paymentRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  const paymentContext = {
    sql: app.sql,
    catalog: app.catalog,
    prisma: app.prisma,
    seatChanges: app.seatChanges,
  };
  app.post(
    '/v1/payments',
    {
      // The token's state is read here but judged in the handler: a replay is answered whatever it is.
      preHandler: app.readQueueToken,
      schema: {
        headers: IdempotencyHeaders,
        body: paymentBody(opts.config.MAX_HOLDS_PER_USER),
        response: { 201: PaymentResponse, ...problemResponses(400, 401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const claims = request.claims!;
      const { reservationIds } = request.body;
      const key = request.headers['idempotency-key'];

      if (request.tokenState !== 'ACTIVE') {
        // The payment itself expired the token; a client that lost the answer retries with it.
        const stored = await findStoredAnswer<PaymentBody>(app.prisma, {
          userId: claims.userId,
          endpoint: PAYMENTS_ENDPOINT,
          key,
        });
        if (stored && stored.requestHash === hashPaymentRequest(reservationIds)) {
          // Only successes are stored, so a stored status is this route's 201.
          return reply.status(stored.statusCode as 201).send(stored.body);
        }
        throw tokenNotActive('the queue token is not ACTIVE');
      }

      const answer = await payForReservations(paymentContext, claims, reservationIds, key);
      // A replay changed nothing, so it must not spend the caller's current token either: that may be a
      // later session of the same user.
      if (!answer.isReplay) {
        // Committed. Freeing the queue slot may not fail the payment: a token left ACTIVE expires with
        // its TTL. The expiry buckets stay: they are shared, and a paid hold matches no sweep.
        await app.queue
          .expireToken(claims, 'paid')
          .catch((err: unknown) => request.log.warn({ err }, 'could not expire the paid token'));
      }
      // 201, or a replay's stored status, which is the same 201.
      return reply.status(answer.statusCode as 201).send(answer.body);
    },
  );
};

export default paymentRoutes;
