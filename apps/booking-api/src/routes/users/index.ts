import type { BookingConfig } from '@concert/config';
import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { BalanceResponse, chargeBody, UserParams } from '../../schemas/users.ts';
import { chargeBalance, readBalance, userNotFound } from '../../services/balance.ts';

const userRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  app.get(
    '/v1/users/:userId/balance',
    {
      schema: {
        params: UserParams,
        response: { 200: BalanceResponse, ...problemResponses(400, 404, 429, 503) },
      },
    },
    async (request) => {
      const userId = toId(request.params.userId);
      const balance = await readBalance(app.prisma, userId);
      if (balance === null) throw userNotFound(userId);
      return { userId, balance };
    },
  );

  app.post(
    '/v1/users/:userId/balance/charges',
    {
      schema: {
        params: UserParams,
        headers: IdempotencyHeaders,
        body: chargeBody(opts.config.MAX_CHARGE_AMOUNT),
        response: { 200: BalanceResponse, ...problemResponses(400, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = toId(request.params.userId);
      const answer = await chargeBalance(
        app.prisma,
        app.txMaxWaitMs,
        userId,
        request.body.amount,
        request.headers['idempotency-key'],
      );
      // 200, or a replay's stored status, which is the same 200 (only successes are stored).
      return reply.status(answer.statusCode as 200).send(answer.body);
    },
  );
};

export default userRoutes;
