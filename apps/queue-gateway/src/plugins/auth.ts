import { createAdminKeyGuard } from '@concert/http';
import { verifyQueueBearer } from '@concert/identity';
import type { TokenClaims } from '@concert/queue-core';
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
    request.claims = verifyQueueBearer(app.tokens, request.headers.authorization);
    return request.claims;
  }
  app.decorate('queueClaimsOf', queueClaimsOf);
  app.decorate('requireQueueToken', async (request: FastifyRequest) => {
    queueClaimsOf(request);
  });

  app.decorate('requireAdminKey', createAdminKeyGuard(opts.adminApiKey));
}

export default fp(authPlugin, { name: 'auth', dependencies: ['queue'], fastify: '5.x' });
