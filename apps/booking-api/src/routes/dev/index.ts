import { Id, problemResponses } from '@concert/http';
import { signUserToken } from '@concert/identity';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/** Development login tokens last 12 hours (the contract). */
const DEV_TOKEN_SECONDS = 12 * 3600;

const LoginBody = Type.Object({ userId: Id }, { additionalProperties: false });
const LoginResponse = Type.Object({ userToken: Type.String(), expiresAt: Type.String() });

export interface DevLoginOptions {
  secret: string;
  issuer: string | undefined;
  audience: string | undefined;
}

/**
 * POST /v1/dev/login: a user token for any user id, signed with AUTH_JWT_SECRET as the identity
 * provider would sign it. Registered only with AUTH_DEV_LOGIN=true; otherwise the route does not exist.
 */
const devRoutes: FastifyPluginAsyncTypebox<DevLoginOptions> = async (app, opts) => {
  app.post(
    '/v1/dev/login',
    {
      schema: { body: LoginBody, response: { 200: LoginResponse, ...problemResponses(400, 429) } },
    },
    async (request) => {
      const { token, expiresAt } = await signUserToken(
        opts.secret,
        { userId: request.body.userId },
        { issuer: opts.issuer, audience: opts.audience, ttlSeconds: DEV_TOKEN_SECONDS },
      );
      return { userToken: token, expiresAt: expiresAt.toISOString() };
    },
  );
};

export default devRoutes;
