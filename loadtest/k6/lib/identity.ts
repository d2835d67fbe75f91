// Who each simulated user is: a user token from the booking API's development login, one per user, or
// the one token given with `-e USER_TOKEN=…` (one user). Joins and balance charges carry it.
import encoding from 'k6/encoding';
import { call, isId, isRecord } from './api.ts';
import type { CommonConfig } from './config.ts';
import { isTime } from './queue.ts';

export interface User {
  userId: number;
  userToken: string;
}

/**
 * The user id a JWT names in its `sub` claim, or undefined when it names none. Nothing is verified here:
 * the services verify the token; the scenario only needs the id for the balance path.
 */
export function readTokenSubject(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(encoding.b64decode(parts[1], 'rawurl', 's')) as unknown;
  } catch {
    return undefined;
  }
  if (!isRecord(payload) || typeof payload.sub !== 'string' || !/^[1-9][0-9]{0,9}$/.test(payload.sub)) {
    return undefined;
  }
  const userId = Number(payload.sub);
  return isId(userId) ? userId : undefined;
}

/** POST /v1/dev/login: a user token for `userId`, or undefined when the login failed. */
export function devLogin(config: CommonConfig, userId: number): string | undefined {
  const result = call({
    name: 'login',
    method: 'POST',
    url: `${config.bookingUrl}/v1/dev/login`,
    body: { userId },
    expect: [200],
    validBody: {
      label: 'a user token',
      test: (body) =>
        isRecord(body) &&
        typeof body.userToken === 'string' &&
        body.userToken.length > 0 &&
        isTime(body.expiresAt),
    },
    timeout: config.requestTimeout,
  });
  return result.isExpected && isRecord(result.body) ? (result.body.userToken as string) : undefined;
}

/**
 * The user an iteration acts as: the USER_TOKEN's user when one was given, else `userId` logged in
 * through development login. Undefined when the login failed (already counted as an error).
 */
export function actAs(config: CommonConfig, userId: number): User | undefined {
  if (config.user !== undefined) return config.user;
  const userToken = devLogin(config, userId);
  return userToken === undefined ? undefined : { userId, userToken };
}

/**
 * Without USER_TOKEN, every user logs in through development login: fail the run at once when the
 * booking API does not serve it (AUTH_DEV_LOGIN is off, as it is with a real identity provider).
 */
export function assertCanLogIn(config: CommonConfig, probeUserId: number): void {
  if (config.user !== undefined) return;
  const result = call({
    name: 'setup',
    method: 'POST',
    url: `${config.bookingUrl}/v1/dev/login`,
    body: { userId: probeUserId },
    expect: [200],
    timeout: config.requestTimeout,
  });
  if (!result.isExpected) {
    throw new Error(
      `POST ${config.bookingUrl}/v1/dev/login answered ${result.status} ${result.code ?? ''}: start the ` +
        'booking API with AUTH_DEV_LOGIN=true (scripts/start.sh and docker compose do when no identity ' +
        'provider is configured), or pass a user token with -e USER_TOKEN=…',
    );
  }
}
