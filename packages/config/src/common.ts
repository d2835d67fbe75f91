import { z } from 'zod';
import { int, secret } from './parse.ts';

/** The settings of every server process, the web app's included; each schema spreads these. */
export const serverFields = {
  // Listening address.
  HOST: z.string().default('0.0.0.0'),
  // How long shutdown waits for in-flight requests (open push streams among them) before it gives up.
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/**
 * The settings both services share, with one meaning each. A service's schema spreads these and adds
 * its own; `checkCommon` holds the rules that span several of them.
 */
export const commonFields = {
  ...serverFields,
  // Redis connection: the waiting rooms, queue-token state, seat locks and BullMQ.
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Redis Cluster seed nodes, `host:port,host:port,…`; when set, everything above goes to the cluster
  // instead of REDIS_URL.
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1))
    .optional(),
  // Prefix of every Redis key, so that tests and several deployments can share one Redis; must match
  // across the services of one deployment.
  REDIS_KEY_PREFIX: z.string().default(''),
  // HMAC-SHA256 key of queue tokens: the gateway signs, the booking API verifies with the same key.
  QUEUE_TOKEN_SECRET: secret,
  // Key of the admin endpoints (X-Admin-Key); when unset, every admin call answers 401.
  ADMIN_API_KEY: z.string().min(1).optional(),
  // The identity provider's JSON Web Key Set (RS256/ES256 user tokens), fetched and cached.
  AUTH_JWKS_URL: z.string().url().optional(),
  // HS256 secret of user tokens, when the identity provider shares a secret (or for development).
  AUTH_JWT_SECRET: secret.optional(),
  // Required `iss` of user tokens; unset: not checked.
  AUTH_ISSUER: z.string().min(1).optional(),
  // Required `aud` of user tokens; unset: not checked.
  AUTH_AUDIENCE: z.string().min(1).optional(),
  // How often the key set is fetched again in the background (rotations); requests never wait for it.
  AUTH_JWKS_REFRESH_SECONDS: int(300, 1, 86_400),
  // Least time between two key-set fetches caused by a token whose `kid` is not cached.
  AUTH_JWKS_COOLDOWN_SECONDS: int(30, 0, 3600),
  // Per-client request limit per window; 0 turns it off.
  RATE_LIMIT_MAX: int(600, 0),
  RATE_LIMIT_WINDOW_SECONDS: int(60),
};

type Common = {
  QUEUE_TOKEN_SECRET: string;
  AUTH_JWKS_URL?: string | undefined;
  AUTH_JWT_SECRET?: string | undefined;
};

/** Rules across the shared settings; each problem names its variable. */
export function checkCommon(config: Common, ctx: z.RefinementCtx): void {
  if (!config.AUTH_JWKS_URL && !config.AUTH_JWT_SECRET) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_JWKS_URL'],
      message: 'set AUTH_JWKS_URL or AUTH_JWT_SECRET: user tokens cannot be verified without one',
    });
  }
  // With one key for both, a queue token would verify as a user token and the reverse.
  if (config.AUTH_JWT_SECRET && config.AUTH_JWT_SECRET === config.QUEUE_TOKEN_SECRET) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_JWT_SECRET'],
      message: 'must differ from QUEUE_TOKEN_SECRET',
    });
  }
}

/** The user-token settings of a parsed config, in the shape @concert/identity takes. */
export function userTokenSettings(config: {
  AUTH_JWKS_URL?: string | undefined;
  AUTH_JWT_SECRET?: string | undefined;
  AUTH_ISSUER?: string | undefined;
  AUTH_AUDIENCE?: string | undefined;
  AUTH_JWKS_REFRESH_SECONDS: number;
  AUTH_JWKS_COOLDOWN_SECONDS: number;
}) {
  return {
    jwksUrl: config.AUTH_JWKS_URL,
    jwtSecret: config.AUTH_JWT_SECRET,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    jwksRefreshMs: config.AUTH_JWKS_REFRESH_SECONDS * 1000,
    jwksCooldownMs: config.AUTH_JWKS_COOLDOWN_SECONDS * 1000,
  };
}
