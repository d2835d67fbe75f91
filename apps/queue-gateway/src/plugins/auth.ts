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
    requireQueueToken(request: FastifyRequest): Promise<void>;
    requireAdminKey(request: FastifyRequest): Promise<void>;
  }
}

async function authPlugin(app: FastifyInstance, opts: { adminApiKey: string | undefined }) {
  app.decorateRequest('claims', null);

  app.decorate('requireQueueToken', async (request: FastifyRequest) => {
    const token = readBearer(request.headers.authorization);
    if (!token) throw new AppError('TOKEN_INVALID', 401, 'a Bearer queue token is required');
    try {
      request.claims = app.tokens.verifyToken(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new AppError('TOKEN_INVALID', 401, err.message);
      throw err;
    }
  });

  app.decorate('requireAdminKey', createAdminKeyGuard(opts.adminApiKey));
}

export default fp(authPlugin, { name: 'auth', dependencies: ['queue'], fastify: '5.x' });
