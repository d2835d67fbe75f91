import { verifyQueueBearer } from '@concert/identity';
import {
  createQueueCore,
  createTokenCodec,
  type QueueCore,
  type TokenClaims,
  type TokenCodec,
  type TokenState,
} from '@concert/queue-core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { tokenNotActive } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified queue token's claims; set by the token preHandlers. */
    claims: TokenClaims | null;
    /** The token's state in Redis, read once per request. */
    tokenState: TokenState | null;
  }
  interface FastifyInstance {
    queue: QueueCore;
    tokens: TokenCodec;
    /** preHandler: a well-signed token whose state has been read, whatever it is (401 otherwise). */
    readQueueToken(request: FastifyRequest): Promise<void>;
    /** preHandler: a well-signed, ACTIVE token (401, then 403). */
    requireActiveToken(request: FastifyRequest): Promise<void>;
    /** preHandler: a well-signed token that is ACTIVE or was expired by its owner's payment. */
    requireActiveOrPaidToken(request: FastifyRequest): Promise<void>;
  }
}

export interface TokenGateOptions {
  prefix: string;
  secret: string;
}

/**
 * The queue token gate of every token endpoint: the signature is checked locally (no call to the
 * gateway), then the token's state costs exactly one read-only Redis round trip. The user always
 * comes from the token. Runs as a preHandler, so a malformed request has already answered 400.
 */
async function tokenGatePlugin(app: FastifyInstance, opts: TokenGateOptions) {
  app.decorate('queue', createQueueCore({ redis: app.redis, prefix: opts.prefix }));
  app.decorate('tokens', createTokenCodec(opts.secret));
  app.decorateRequest('claims', null);
  app.decorateRequest('tokenState', null);

  async function readQueueToken(request: FastifyRequest): Promise<void> {
    const claims = verifyQueueBearer(app.tokens, request.headers.authorization);
    request.claims = claims;
    request.tokenState = (await app.queue.readTokenState(claims)).state;
    // The gateway admitted this user from a verified user token: they exist from their first request.
    if (request.tokenState === 'ACTIVE') await app.users.provision({ userId: claims.userId });
  }

  app.decorate('readQueueToken', readQueueToken);

  app.decorate('requireActiveToken', async (request: FastifyRequest) => {
    await readQueueToken(request);
    if (request.tokenState !== 'ACTIVE') throw tokenNotActive();
  });

  app.decorate('requireActiveOrPaidToken', async (request: FastifyRequest) => {
    await readQueueToken(request);
    if (request.tokenState !== 'ACTIVE' && request.tokenState !== 'PAID') {
      throw tokenNotActive();
    }
  });
}

export default fp(tokenGatePlugin, { name: 'token-gate', dependencies: ['redis', 'users'], fastify: '5.x' });
