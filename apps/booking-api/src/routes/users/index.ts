import type { BookingConfig } from '@concert/config';
import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { BalanceResponse, chargeBody, UserParams } from '../../schemas/users.ts';
import { type BalanceContext, chargeOwnBalance, readOwnBalance } from '../../services/balance.ts';

const userRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  const balanceContext: BalanceContext = {
    prisma: app.prisma,
    users: app.users,
    txMaxWaitMs: app.txMaxWaitMs,
  };

  app.get(
    '/v1/users/:userId/balance',
    {
      preHandler: app.requireUser,
      schema: {
        params: UserParams,
        response: { 200: BalanceResponse, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => readOwnBalance(balanceContext, request.user!, toId(request.params.userId)),
  );

  app.post(
    '/v1/users/:userId/balance/charges',
    {
      preHandler: app.requireUser,
      schema: {
        params: UserParams,
        headers: IdempotencyHeaders,
        body: chargeBody(opts.config.MAX_CHARGE_AMOUNT),
        response: { 200: BalanceResponse, ...problemResponses(400, 401, 403, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const answer = await chargeOwnBalance(
        balanceContext,
        request.user!,
        toId(request.params.userId),
        request.body.amount,
        request.headers['idempotency-key'],
      );
      // 200, or a replay's stored status, which is the same 200 (only successes are stored).
      return reply.status(answer.statusCode as 200).send(answer.body);
    },
  );
};

export default userRoutes;
