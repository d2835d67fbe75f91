import { AppError, createAdminKeyGuard } from '@concert/http';
import { readBearer } from '@concert/identity';
import { InvalidTokenError, type TokenClaims } from '@concert/queue-core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified queue token's claims, set by `requireQueueToken`. */
    claims: TokenClaims | null;
  }
  interface FastifyInstance {
    /**
     * The request's verified queue token claims, set on `request.claims` too; throws 401
     * TOKEN_INVALID. Synchronous, for the poll's handler, which runs it without a preHandler.
     */
    queueClaimsOf(request: FastifyRequest): TokenClaims;
    requireQueueToken(request: FastifyRequest): Promise<void>;
    requireAdminKey(request: FastifyRequest): Promise<void>;
  }
}

async function authPlugin(app: FastifyInstance, opts: { adminApiKey: string | undefined }) {
  app.decorateRequest('claims', null);

  function queueClaimsOf(request: FastifyRequest): TokenClaims {
    const token = readBearer(request.headers.authorization);
    if (!token) throw new AppError('TOKEN_INVALID', 401, 'a Bearer queue token is required');
    try {
      request.claims = app.tokens.verifyToken(token);
      return request.claims;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new AppError('TOKEN_INVALID', 401, err.message);
      throw err;
    }
  }
  app.decorate('queueClaimsOf', queueClaimsOf);
  app.decorate('requireQueueToken', async (request: FastifyRequest) => {
    queueClaimsOf(request);
  });

  app.decorate('requireAdminKey', createAdminKeyGuard(opts.adminApiKey));
}

export default fp(authPlugin, { name: 'auth', dependencies: ['queue'], fastify: '5.x' });
