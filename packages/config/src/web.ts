import { z } from 'zod';
import { int, parseEnv } from './parse.ts';

const schema = z.object({
  // Listening port of the web app (fan page, operator page, and both APIs under its origin).
  WEB_PORT: int(3002, 0, 65535),
  // Listening address.
  HOST: z.string().default('0.0.0.0'),
  // Where the web app's proxy finds the queue-gateway (served under /gateway).
  GATEWAY_URL: z.string().url().default('http://127.0.0.1:3000'),
  // Where the web app's proxy finds the booking API (served under /booking).
  BOOKING_URL: z.string().url().default('http://127.0.0.1:3001'),
  // How long shutdown waits for open requests (a fan's stream among them) before it gives up.
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type WebConfig = z.output<typeof schema>;

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  return parseEnv('web', schema, env);
}
