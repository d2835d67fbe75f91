import { z } from 'zod';
import { bool, int, parseEnv, secret } from './parse.ts';

const schema = z.object({
  // Listening port and address.
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  // Redis connection; the waiting rooms live there and nowhere else.
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  // Prefix for every Redis key, so that tests and several deployments can share one Redis.
  REDIS_KEY_PREFIX: z.string().default(''),
  // HMAC-SHA256 key that signs queue tokens; the booking API verifies with the same key.
  QUEUE_TOKEN_SECRET: secret,
  // Key for the admin endpoints; when unset, every admin call answers 401.
  ADMIN_API_KEY: z.string().min(1).optional(),
  // Defaults for a newly opened room.
  QUEUE_MAX_ACTIVE: int(500),
  QUEUE_ADMIT_PER_SECOND: int(50),
  QUEUE_ACTIVE_TTL_SECONDS: int(600),
  QUEUE_IDLE_TIMEOUT_SECONDS: int(60),
  QUEUE_MAX_WAITING: int(2_000_000),
  // Per-client request limit per window; 0 turns it off.
  RATE_LIMIT_MAX: int(600, 0),
  RATE_LIMIT_WINDOW_SECONDS: int(60),
  // Whether this instance runs the promoter, and how often it ticks.
  PROMOTER_ENABLED: bool(true),
  PROMOTER_INTERVAL_MS: int(100, 10, 60_000),
  // Most tokens one promotion tick admits or expires per room. A tick blocks Redis while it runs:
  // 1,000 took 8-12 ms and still admitted 83-113k a second (bench/README.md); 10,000 took 133 ms.
  PROMOTER_BATCH_MAX: int(1000, 1, 1_000_000),
  // Cap on the lifecycle event stream per room (approximate MAXLEN); protects a noeviction Redis.
  QUEUE_EVENTS_MAXLEN: int(2_000_000, 1000),
  // How long shutdown waits for in-flight requests before it gives up.
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = z.output<typeof schema>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return parseEnv('queue-gateway', schema, env);
}
