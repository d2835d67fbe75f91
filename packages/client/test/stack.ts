import type { AddressInfo } from 'node:net';
import { buildBookingApp } from '@concert/booking-api';
import { loadBookingConfig, loadGatewayConfig } from '@concert/config';
import { buildGatewayApp } from '@concert/queue-gateway';
import {
  createTestDatabase,
  createTestRedis,
  TEST_AUTH_SECRET,
  TEST_REDIS_ENV,
  type TestDatabase,
} from '@concert/testing';
import type { Redis } from 'ioredis';
import { adminKey, createBookingClient, createGatewayClient, unwrap } from '../src/index.ts';

export const STACK_QUEUE_SECRET = 'platform-stack-queue-secret-0123456789ab';
export const STACK_ADMIN_KEY = 'platform-stack-admin-key';

type App = { listen(o: { port: number; host: string }): Promise<string>; close(): Promise<unknown> };
const urlOf = (app: { server: { address(): unknown } }) =>
  `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

export interface PlatformStack {
  gatewayUrl: string;
  bookingUrl: string;
  db: TestDatabase;
  redis: Redis;
  prefix: string;
  /** Another booking API instance on the same database and Redis, with its own settings. */
  startBooking(env?: Record<string, string>): Promise<string>;
  /** A concert of `dates` dates with `seats` seats each (rows of 10), and (unless asked not to) its open waiting room. */
  createSale(opts: SaleOptions): Promise<Sale>;
  close(): Promise<void>;
}

export interface SaleOptions {
  name?: string;
  dates?: number;
  seats?: number;
  price?: number;
  room?: Record<string, number>;
  /** Open the concert's waiting room (true unless said otherwise). */
  isRoomOpen?: boolean;
}

export interface Sale {
  concertId: number;
  schedules: { scheduleId: number; playDate: string; totalSeats: number }[];
}

/**
 * Both services over real sockets on one test database and Redis prefix, as the README's start
 * command runs them (development login on, workers inline), for the client's and the web app's
 * tests. `gatewayEnv`/`bookingEnv` override settings.
 */
export async function startPlatformStack(
  name: string,
  opts: { gatewayEnv?: Record<string, string>; bookingEnv?: Record<string, string> } = {},
): Promise<PlatformStack> {
  const db = await createTestDatabase(name, { poolSize: 2 });
  const redis = await createTestRedis(name);
  const common = {
    ...TEST_REDIS_ENV,
    REDIS_KEY_PREFIX: redis.prefix,
    QUEUE_TOKEN_SECRET: STACK_QUEUE_SECRET,
    AUTH_JWT_SECRET: TEST_AUTH_SECRET,
    ADMIN_API_KEY: STACK_ADMIN_KEY,
    RATE_LIMIT_MAX: '0',
    LOG_LEVEL: 'silent',
  };
  const apps: App[] = [];
  const gateway = await buildGatewayApp(
    loadGatewayConfig({ ...common, PROMOTER_INTERVAL_MS: '50', ...opts.gatewayEnv }),
  );
  apps.push(gateway);
  await gateway.listen({ port: 0, host: '127.0.0.1' });

  async function startBooking(env: Record<string, string> = {}): Promise<string> {
    const booking = await buildBookingApp(
      loadBookingConfig({
        ...common,
        DATABASE_URL: db.url,
        DATABASE_POOL_SIZE: '4',
        AUTH_DEV_LOGIN: 'true',
        JOURNAL_POLL_INTERVAL_MS: '200',
        HOLD_SWEEP_INTERVAL_MS: '1000',
        ...opts.bookingEnv,
        ...env,
      }),
    );
    apps.push(booking);
    await booking.listen({ port: 0, host: '127.0.0.1' });
    return urlOf(booking);
  }
  const bookingUrl = await startBooking();
  const gatewayUrl = urlOf(gateway);
  const gatewayClient = createGatewayClient({ baseUrl: gatewayUrl });
  const bookingClient = createBookingClient({ baseUrl: bookingUrl });
  let sales = 0;

  return {
    gatewayUrl,
    bookingUrl,
    db,
    redis: redis.redis,
    prefix: redis.prefix,
    startBooking,
    async createSale(sale) {
      sales++;
      const seats = sale.seats ?? 20;
      const rows = Math.ceil(seats / 10);
      const created = unwrap(
        await bookingClient.POST('/v1/admin/concerts', {
          headers: adminKey(STACK_ADMIN_KEY),
          body: {
            name: sale.name ?? `${name} sale ${sales}`,
            schedules: Array.from({ length: sale.dates ?? 2 }, (_, d) => ({
              playDate: `2027-0${1 + (sales % 9)}-${String(10 + d).padStart(2, '0')}`,
              sections: Array.from({ length: rows }, (_, r) => ({
                row: String.fromCharCode(65 + r),
                seats: Math.min(10, seats - r * 10),
                price: sale.price ?? 50_000,
              })),
            })),
          },
        }),
      );
      if (sale.isRoomOpen === false) return { concertId: created.concertId, schedules: created.schedules };
      unwrap(
        await gatewayClient.PUT('/v1/admin/queues/{concertId}', {
          headers: adminKey(STACK_ADMIN_KEY),
          params: { path: { concertId: String(created.concertId) } },
          body: sale.room ?? {},
        }),
      );
      return { concertId: created.concertId, schedules: created.schedules };
    },
    async close() {
      // Last started first: the booking APIs' workers stop before the gateway and the stores.
      for (const app of apps.reverse()) await app.close();
      await redis.close();
      await db.drop();
    },
  };
}
