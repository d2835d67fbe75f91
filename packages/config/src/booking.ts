import { z } from 'zod';
import { checkCommon, commonFields } from './common.ts';
import { DEFAULT_DATABASE_URL } from './database.ts';
import { bool, int, parseEnv, port } from './parse.ts';

export const bookingSchema = z
  .object({
    ...commonFields,
    // Listening port.
    PORT: port(3001),
    // MySQL/MariaDB connection.
    DATABASE_URL: z.string().startsWith('mysql://').default(DEFAULT_DATABASE_URL),
    // Largest number of MySQL connections this instance opens.
    DATABASE_POOL_SIZE: int(10, 1, 1000),
    // How long a request waits for a free MySQL connection before it answers 503 (the driver's default
    // held a request for 20 s while MySQL was down).
    DATABASE_ACQUIRE_TIMEOUT_MS: int(3000, 100, 600_000),
    // Serve POST /v1/dev/login, which signs a user token for any user id: development only. Needs
    // AUTH_JWT_SECRET.
    AUTH_DEV_LOGIN: bool(false),
    // How long an unpaid hold lasts.
    HOLD_TTL_SECONDS: int(300),
    // Live holds per user per schedule.
    MAX_HOLDS_PER_USER: int(4, 1, 100),
    // Largest single balance charge.
    MAX_CHARGE_AMOUNT: int(10_000_000, 1, Number.MAX_SAFE_INTEGER),
    // Run the BullMQ workers (hold expiry, sweep, journal) inside this process.
    WORKERS_INLINE: bool(true),
    // How often the sweep looks for holds whose expiry job was lost.
    HOLD_SWEEP_INTERVAL_MS: int(15_000, 100),
    // How often each worker checks that Redis still has the sweep's scheduler (a Redis that restarted
    // empty lost it) and re-creates it with the seats-left counts.
    REDIS_LOSS_CHECK_MS: int(3000, 100, 600_000),
    // Hold-expiry jobs one worker process runs at once.
    HOLD_EXPIRY_CONCURRENCY: int(8, 1, 1000),
    // How often the journal reads the rooms' event streams when the last read found nothing.
    JOURNAL_POLL_INTERVAL_MS: int(500, 10, 60_000),
    // Stream entries the journal reads from one room per read.
    JOURNAL_READ_COUNT: int(200, 1, 100_000),
    // How long a seat list may be served from the instance's micro-cache (0: never). A hold's own
    // answer is always authoritative; this instance's own holds and releases drop the list at once.
    SEAT_LIST_CACHE_MS: int(250, 0, 60_000),
    // Schedules whose concert and seats each instance keeps in memory (about 240 KB per 20,000 seats).
    CATALOG_CACHE_SCHEDULES: int(512, 1, 1_000_000),
    // How long an instance remembers that a schedule id is unknown: a concert created on another
    // instance is served here at most this much later.
    CATALOG_UNKNOWN_TTL_MS: int(1000, 0, 60_000),
    // Seat lock lease; only spares MySQL the contention, never guards correctness.
    SEAT_LOCK_TTL_MS: int(5_000, 100),
  })
  .superRefine((config, ctx) => {
    checkCommon(config, ctx);
    if (config.AUTH_DEV_LOGIN && !config.AUTH_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_DEV_LOGIN'],
        message: 'needs AUTH_JWT_SECRET to sign with',
      });
    }
  });

export type BookingConfig = z.output<typeof bookingSchema>;

export function loadBookingConfig(env: Record<string, string | undefined> = process.env): BookingConfig {
  return parseEnv('booking-api', bookingSchema, env);
}
