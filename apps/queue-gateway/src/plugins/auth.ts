import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@concert/http';
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

const BEARER = /^Bearer ([A-Za-z0-9_\-.]{1,2048})$/;

async function authPlugin(app: FastifyInstance, opts: { adminApiKey: string | undefined }) {
  app.decorateRequest('claims', null);

  app.decorate('requireQueueToken', async (request: FastifyRequest) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new AppError('TOKEN_INVALID', 401, 'a Bearer queue token is required');
    try {
      request.claims = app.tokens.verifyToken(match[1]!);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new AppError('TOKEN_INVALID', 401, err.message);
      throw err;
    }
  });

  const adminKey = opts.adminApiKey ? Buffer.from(opts.adminApiKey) : null;
  app.decorate('requireAdminKey', async (request: FastifyRequest) => {
    const given = request.headers['x-admin-key'];
    const candidate = typeof given === 'string' ? Buffer.from(given) : null;
    const isValid =
      adminKey && candidate && candidate.length === adminKey.length && timingSafeEqual(candidate, adminKey);
    if (!isValid) {
      throw new AppError(
        'ADMIN_KEY_INVALID',
        401,
        adminKey ? 'X-Admin-Key is missing or wrong' : 'admin is disabled',
      );
    }
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['queue'], fastify: '5.x' });
