import { buildBookingApp } from '@concert/booking-api';
import { DEFAULT_DATABASE_SERVER_URL, loadBookingConfig, loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';

/** The services whose OpenAPI documents the client is generated from. */
export const SERVICES = ['gateway', 'booking'] as const;
export type Service = (typeof SERVICES)[number];

export interface DocumentOptions {
  redisUrl?: string;
  /** Never connected to: building the document runs no query. */
  databaseUrl?: string;
}

/**
 * Each service as the README's start command runs it (development login on, every setting at its
 * default), ready for `inject`. Needs Redis (the apps connect when they start); the booking API's
 * database is never queried.
 */
export async function buildDocumentedApps(opts: DocumentOptions = {}) {
  const env = {
    QUEUE_TOKEN_SECRET: 'openapi-document-queue-secret-0123456789',
    AUTH_JWT_SECRET: 'openapi-document-user-secret-0123456789ab',
    ADMIN_API_KEY: 'openapi-document',
    LOG_LEVEL: 'silent',
    REDIS_URL: opts.redisUrl ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  const gateway = await buildGatewayApp(loadGatewayConfig({ ...env, PROMOTER_ENABLED: 'false' }));
  const booking = await buildBookingApp(
    loadBookingConfig({
      ...env,
      AUTH_DEV_LOGIN: 'true',
      WORKERS_INLINE: 'false',
      DATABASE_URL: opts.databaseUrl ?? `${DEFAULT_DATABASE_SERVER_URL}/openapi_document_never_queried`,
    }),
  );
  return {
    gateway,
    booking,
    close: () => Promise.all([gateway.close(), booking.close()]).then(() => undefined),
  };
}

/** The OpenAPI document each service serves at /docs/json. */
export async function readOpenApiDocuments(opts: DocumentOptions = {}): Promise<Record<Service, unknown>> {
  const apps = await buildDocumentedApps(opts);
  try {
    const read = async (app: typeof apps.gateway | typeof apps.booking) => {
      const res = await app.inject({ method: 'GET', url: '/docs/json' });
      if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`);
      return res.json() as unknown;
    };
    return { gateway: await read(apps.gateway), booking: await read(apps.booking) };
  } finally {
    await apps.close();
  }
}
