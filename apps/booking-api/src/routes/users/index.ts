import type { BookingConfig } from '@concert/config';
import { AppError, problemResponses, toId } from '@concert/http';
import type { UserIdentity } from '@concert/identity';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders } from '../../schemas/idempotency.ts';
import { BalanceResponse, chargeBody, UserParams } from '../../schemas/users.ts';
import { chargeBalance, readBalance } from '../../services/balance.ts';

const userRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  /**
   * A balance is its owner's alone: a valid user token for another user is 403 FORBIDDEN, and
   * nothing is written. The owner is provisioned on first sight, so a new user reads a zero balance.
   */
  async function requireOwner(userIdParam: string, caller: UserIdentity): Promise<number> {
    const userId = toId(userIdParam);
    if (caller.userId !== userId) {
      throw new AppError('FORBIDDEN', 403, 'a user token may only act on its own user');
    }
    await app.users.provision(caller);
    return userId;
  }

  app.get(
    '/v1/users/:userId/balance',
    {
      preHandler: app.requireUser,
      schema: {
        params: UserParams,
        response: { 200: BalanceResponse, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const userId = await requireOwner(request.params.userId, request.user!);
      return { userId, balance: await readBalance(app.prisma, userId) };
    },
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
      const userId = await requireOwner(request.params.userId, request.user!);
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
