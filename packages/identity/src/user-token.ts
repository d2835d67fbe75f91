import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';

/** Who a verified user token says the caller is. */
export interface UserIdentity {
  userId: number;
  /** The `name` claim, else `user <id>`; at most 100 characters (the User table's user_name). */
  name: string;
  expiresAt: Date;
}

/** The deployment's identity provider, as the AUTH_* settings describe it. */
export interface UserTokenSettings {
  /** JSON Web Key Set of RS256/ES256 keys, fetched and cached; the token's `kid` chooses the key. */
  jwksUrl?: string | undefined;
  /** HS256 secret (at least 32 characters). */
  jwtSecret?: string | undefined;
  /** Required `iss` when set. */
  issuer?: string | undefined;
  /** Required member of `aud` when set. */
  audience?: string | undefined;
  /** How often the key set is fetched again in the background. Default 5 minutes. */
  jwksRefreshMs?: number;
  /** Least time between two fetches caused by an unknown `kid`. Default 30 s. */
  jwksCooldownMs?: number;
  /** Called when a background fetch of the key set fails; the cached keys stay in use. */
  onRefreshError?: (error: unknown) => void;
}

/** The token is missing, malformed, forged, expired, for another issuer or audience, or not a user token. */
export class AuthInvalidError extends Error {
  override name = 'AuthInvalidError';
}

/** The key set could not be fetched for a `kid` not in the cache: the provider, not the token, failed. */
export class IdentityProviderUnavailableError extends Error {
  override name = 'IdentityProviderUnavailableError';
}

export interface UserTokenVerifier {
  verify(token: string): Promise<UserIdentity>;
  /** Fetches the key set now, so that the first request after start-up does not. */
  warm(): Promise<void>;
  /** Stops the background refresh. */
  close(): void;
}

const MAX_ID = 2_147_483_647;
const SUB = /^[1-9][0-9]{0,9}$/;
const MAX_NAME = 100;
/** Tolerated clock skew between this machine and the identity provider, on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 5;

export function createUserTokenVerifier(settings: UserTokenSettings): UserTokenVerifier {
  // Imported once as a CryptoKey: given the raw bytes, jose imports the key again on every verify,
  // which was 1.5 s of a 4.7 s jose profile under join load; with the imported key a verify took
  // 85-95 µs of CPU instead of 185 µs (a loop of 20,000 verifies, 50 in flight, on this machine).
  const secret = settings.jwtSecret
    ? crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(settings.jwtSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      )
    : undefined;
  // The cache never goes stale by age: a request must never wait for a fetch of keys it already has.
  // The background refresh below picks up rotations, and an unknown `kid` fetches at once (at most
  // once per cooldown), which is how a key added by the provider is found.
  const jwks = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), {
        cacheMaxAge: Number.POSITIVE_INFINITY,
        cooldownDuration: settings.jwksCooldownMs ?? 30_000,
        timeoutDuration: 5_000,
      })
    : undefined;
  if (!secret && !jwks) throw new Error('a user token verifier needs a JWKS URL or an HS256 secret');

  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ['RS256', 'ES256'] : [])];
  const claimRules = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  const hmacKey = settings.jwtSecret ? createSecretKey(Buffer.from(settings.jwtSecret)) : undefined;

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (!secret) throw new AuthInvalidError('HS256 user tokens are not accepted here');
      return await secret;
    }
    if (!jwks) throw new AuthInvalidError(`${header.alg} user tokens are not accepted here`);
    try {
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new AuthInvalidError('no key of the identity provider matches the token');
      }
      throw new IdentityProviderUnavailableError('the identity provider key set could not be fetched');
    }
  };

  let timer: NodeJS.Timeout | undefined;
  if (jwks) {
    timer = setInterval(() => {
      jwks.reload().catch((error: unknown) => settings.onRefreshError?.(error));
    }, settings.jwksRefreshMs ?? 300_000);
    timer.unref();
  }

  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        payload =
          (hmacKey && verifyPlainHs256(token, hmacKey, claimRules)) ||
          (await jwtVerify(token, getKey, { algorithms, ...claimRules })).payload;
      } catch (error) {
        if (error instanceof IdentityProviderUnavailableError || error instanceof AuthInvalidError)
          throw error;
        // jose's own errors (bad signature, expired, wrong iss/aud, alg not allowed, malformed).
        throw new AuthInvalidError(describe(error));
      }
      // A queue token (it binds a token id) is never a user token, whatever key signed it.
      if ('tid' in payload || 'cid' in payload) throw new AuthInvalidError('this is a queue token');
      const sub = payload.sub;
      const userId = typeof sub === 'string' && SUB.test(sub) ? Number(sub) : 0;
      if (userId < 1 || userId > MAX_ID) {
        throw new AuthInvalidError('the token subject is not a user id (1 to 2147483647)');
      }
      const claimed = typeof payload.name === 'string' ? payload.name.trim().slice(0, MAX_NAME) : '';
      return {
        userId,
        name: claimed || `user ${userId}`,
        expiresAt: new Date((payload.exp as number) * 1000),
      };
    },
    async warm() {
      if (jwks) await jwks.reload();
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };
}

/** The protected header of an unsecured JWT (`{"alg":"none"}`), for jose's claims check below. */
const UNSECURED_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The common HS256 token (a header of `alg` and `typ` only) verified synchronously with node:crypto,
 * or undefined for anything else, which jose then decides. jose verifies HS256 through WebCrypto, whose
 * every call is a job on the libuv thread pool: 70-105 µs of CPU a verify against 5-9 µs here (20,000
 * verifies, 50 in flight, this machine), and in an on-sale rush it was a fifth of the gateway's CPU.
 * Only a signature equal to the canonical one is accepted here; the claims are checked by jose's own
 * rules (its unsecured-JWT decoder runs the same claims check as jwtVerify), so a token is accepted or
 * refused, with the same reason, exactly as jose alone would.
 */
function verifyPlainHs256(
  token: string,
  key: KeyObject,
  rules: Parameters<typeof UnsecuredJWT.decode>[1],
): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  for (const part of parts) if (!BASE64URL.test(part) || part.length % 4 === 1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(Buffer.from(header, 'base64url')));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  if (fields.alg !== 'HS256' || Object.keys(fields).some((name) => name !== 'alg' && name !== 'typ'))
    return undefined;
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    return undefined;
  return UnsecuredJWT.decode(`${UNSECURED_HEADER}.${payload}.`, rules).payload;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the user token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the user token's ${error.claim} claim is invalid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the user token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the user token algorithm is not accepted';
  return 'the user token is malformed';
}

export interface SignUserTokenOptions {
  issuer?: string | undefined;
  audience?: string | undefined;
  ttlSeconds: number;
}

/**
 * Signs an HS256 user token, as an identity provider with a shared secret would: for development
 * login, and for the tools and tests that act as the provider.
 */
export async function signUserToken(
  secret: string,
  claims: { userId: number; name?: string },
  opts: SignUserTokenOptions,
): Promise<{ token: string; expiresAt: Date }> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const exp = nowSeconds + opts.ttlSeconds;
  let jwt = new SignJWT(claims.name ? { name: claims.name } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuedAt(nowSeconds)
    .setExpirationTime(exp);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  const token = await jwt.sign(new TextEncoder().encode(secret));
  return { token, expiresAt: new Date(exp * 1000) };
}
