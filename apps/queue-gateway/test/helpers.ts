import type { AddressInfo } from 'node:net';
import { type GatewayConfig, loadGatewayConfig } from '@concert/config';
import {
  createTestPrefix,
  createTestRedisClient,
  deleteKeysWithPrefix,
  TEST_AUTH_SECRET,
  TEST_REDIS_ENV,
  testUserToken,
} from '@concert/testing';
import { buildGatewayApp } from '../src/app.ts';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';
export const ADMIN_KEY = 'test-admin-key';

export type GatewayApp = Awaited<ReturnType<typeof buildGatewayApp>>;

/** Config for a test gateway: its own key prefix, no logs, promoter off unless asked for. */
export function testConfig(prefix: string, env: Record<string, string> = {}): GatewayConfig {
  return loadGatewayConfig({
    ...TEST_REDIS_ENV,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_TOKEN_SECRET: TEST_SECRET,
    AUTH_JWT_SECRET: TEST_AUTH_SECRET,
    ADMIN_API_KEY: ADMIN_KEY,
    RATE_LIMIT_MAX: '0',
    PROMOTER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** One test file's world: a key prefix, a Redis for assertions, and gateways built on that prefix. */
export async function createGatewayWorld(name: string) {
  const prefix = createTestPrefix(name);
  const redis = createTestRedisClient();
  const apps: GatewayApp[] = [];

  return {
    prefix,
    redis,
    async build(env: Record<string, string> = {}): Promise<GatewayApp> {
      const app = await buildGatewayApp(testConfig(prefix, env));
      apps.push(app);
      await app.ready();
      return app;
    },
    /** Builds and listens on an ephemeral port: for clients that go through real sockets. */
    async listen(env: Record<string, string> = {}): Promise<{ app: GatewayApp; url: string }> {
      const app = await buildGatewayApp(testConfig(prefix, env));
      apps.push(app);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { app, url: `http://127.0.0.1:${port}` };
    },
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

export async function openRoom(app: GatewayApp, concertId: number, config: Record<string, number> = {}) {
  const res = await app.inject({
    method: 'PUT',
    url: `/v1/admin/queues/${concertId}`,
    headers: { 'x-admin-key': ADMIN_KEY },
    payload: config,
  });
  if (res.statusCode !== 200) throw new Error(`open room: ${res.statusCode} ${res.body}`);
  return res.json();
}

const userTokens = new Map<number, Promise<string>>();

/** A user token for `userId` from the tests' identity provider; one per user, reused. */
export function userToken(userId: number): Promise<string> {
  let token = userTokens.get(userId);
  if (!token) {
    token = testUserToken(userId);
    userTokens.set(userId, token);
  }
  return token;
}

/** Joins a room as `userId`, with that user's token. */
export async function join(app: GatewayApp, userId: number, concertId: number) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/queue/tokens',
    headers: { authorization: `Bearer ${await userToken(userId)}` },
    payload: { concertId },
  });
  return { statusCode: res.statusCode, body: res.json() };
}

export async function poll(app: GatewayApp, token: string) {
  const res = await app.inject({
    method: 'GET',
    url: '/v1/queue/status',
    headers: { authorization: `Bearer ${token}` },
  });
  return { statusCode: res.statusCode, body: res.json() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
