import { z } from 'zod';
import { bool, int, parseEnv, secret } from './parse.ts';

const schema = z.object({
  // Listening port and address.
  PORT: int(3001, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  // MySQL/MariaDB connection.
  DATABASE_URL: z.string().startsWith('mysql://').default('mysql://root@127.0.0.1:3306/concert'),
  // Largest number of MySQL connections this instance opens.
  DATABASE_POOL_SIZE: int(10, 1, 1000),
  // How long a request waits for a free MySQL connection before it answers 503 (the driver's default
  // held a request for 20 s while MySQL was down).
  DATABASE_ACQUIRE_TIMEOUT_MS: int(3000, 100, 600_000),
  // Redis connection: queue tokens, seat locks and BullMQ.
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Prefix for every Redis key, shared with the gateway it works with.
  REDIS_KEY_PREFIX: z.string().default(''),
  // Key that verifies queue tokens; the gateway signs with the same one.
  QUEUE_TOKEN_SECRET: secret,
  // How long an unpaid hold lasts.
  HOLD_TTL_SECONDS: int(300),
  // Live holds per user per schedule.
  MAX_HOLDS_PER_USER: int(4, 1, 100),
  // Largest single balance charge.
  MAX_CHARGE_AMOUNT: int(10_000_000, 1, Number.MAX_SAFE_INTEGER),
  // Per-client request limit per window; 0 turns it off.
  RATE_LIMIT_MAX: int(600, 0),
  RATE_LIMIT_WINDOW_SECONDS: int(60),
  // Run the BullMQ workers (hold expiry, sweep, journal) inside this process.
  WORKERS_INLINE: bool(true),
  // How often the sweep looks for holds whose expiry job was lost.
  HOLD_SWEEP_INTERVAL_MS: int(15_000, 100),
  // Hold-expiry jobs one worker process runs at once.
  HOLD_EXPIRY_CONCURRENCY: int(8, 1, 1000),
  // How often the journal reads the rooms' event streams when the last read found nothing.
  JOURNAL_POLL_INTERVAL_MS: int(500, 10, 60_000),
  // Stream entries the journal reads from one room per read.
  JOURNAL_READ_COUNT: int(200, 1, 100_000),
  // Seat lock lease; only spares MySQL the contention, never guards correctness.
  SEAT_LOCK_TTL_MS: int(5_000, 100),
  // How long shutdown waits for in-flight requests before it gives up.
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BookingConfig = z.output<typeof schema>;

export function loadBookingConfig(env: Record<string, string | undefined> = process.env): BookingConfig {
  return parseEnv('booking-api', schema, env);
}
