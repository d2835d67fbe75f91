import type { AppError } from '@concert/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { readBearer } from './bearer.ts';
import {
  AuthInvalidError,
  createUserTokenVerifier,
  IdentityProviderUnavailableError,
  type UserIdentity,
  type UserTokenSettings,
  type UserTokenVerifier,
} from './user-token.ts';
import { authInvalid, identityUnavailable } from './verify.ts';

declare module 'fastify' {
  interface FastifyInstance {
    userTokens: UserTokenVerifier;
    /** preHandler of every *user* endpoint: 401 AUTH_INVALID unless a valid user token; sets `request.user`. */
    requireUser(request: FastifyRequest): Promise<void>;
    /** The caller's identity, or null without a valid user token. Verified once per request. */
    identifyUser(request: FastifyRequest): Promise<UserIdentity | null>;
    /**
     * Who a request is from, for the rate limit: a queue token's user and concert, else a user
     * token's user, else undefined (the limiter then counts the address).
     */
    clientKeyOf(request: FastifyRequest): Promise<string | undefined>;
  }
  interface FastifyRequest {
    /** The verified user token's identity; set by `requireUser`. */
    user: UserIdentity | null;
  }
}

type Outcome = { identity: UserIdentity } | { error: AppError };

export interface IdentityPluginOptions extends UserTokenSettings {
  /** The service's queue-token verifier: throws on anything but a valid queue token. */
  queueTokens: { verifyToken(token: string): { userId: number; concertId: number } };
}

/**
 * User identity for a service: verifies `Authorization: Bearer <userToken>` against the deployment's
 * identity provider. The rate limiter (which keys a join by user) and the route both ask, so the
 * outcome is kept per request and the signature is checked once.
 */
async function identityPlugin(app: FastifyInstance, opts: IdentityPluginOptions) {
  const { queueTokens, ...settings } = opts;
  const verifier = createUserTokenVerifier({
    ...settings,
    onRefreshError: (err) =>
      app.log.warn({ err: { message: (err as Error).message } }, 'identity provider key set refresh failed'),
  });
  const outcomes = new WeakMap<FastifyRequest, Promise<Outcome>>();

  async function verifyRequest(request: FastifyRequest): Promise<Outcome> {
    const token = readBearer(request.headers.authorization);
    if (!token) return { error: authInvalid() };
    try {
      return { identity: await verifier.verify(token) };
    } catch (err) {
      if (err instanceof AuthInvalidError) return { error: authInvalid(err.message) };
      if (err instanceof IdentityProviderUnavailableError) {
        return { error: identityUnavailable(err.message) };
      }
      throw err;
    }
  }

  function outcomeOf(request: FastifyRequest): Promise<Outcome> {
    let outcome = outcomes.get(request);
    if (!outcome) {
      outcome = verifyRequest(request);
      outcomes.set(request, outcome);
    }
    return outcome;
  }

  app.decorate('userTokens', verifier);
  app.decorateRequest('user', null);
  app.decorate('identifyUser', async (request: FastifyRequest) => {
    const outcome = await outcomeOf(request);
    return 'identity' in outcome ? outcome.identity : null;
  });
  app.decorate('requireUser', async (request: FastifyRequest) => {
    const outcome = await outcomeOf(request);
    if ('error' in outcome) throw outcome.error;
    request.user = outcome.identity;
  });

  app.decorate('clientKeyOf', async (request: FastifyRequest) => {
    const token = readBearer(request.headers.authorization);
    if (!token) return undefined;
    try {
      const claims = queueTokens.verifyToken(token);
      return `t:${claims.concertId}:${claims.userId}`;
    } catch {
      // not a queue token: perhaps a user token
    }
    const identity = await app.identifyUser(request);
    return identity ? `u:${identity.userId}` : undefined;
  });

  app.addHook('onReady', async () => {
    // Keys fetched now, not by the first join; a provider that is down now is retried in the background.
    await verifier
      .warm()
      .catch((err: unknown) =>
        app.log.warn(
          { err: { message: (err as Error).message } },
          'identity provider key set not reachable yet',
        ),
      );
  });
  app.addHook('onClose', async () => verifier.close());
}

export default fp(identityPlugin, { name: 'identity', fastify: '5.x' });
