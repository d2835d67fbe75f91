import { z } from 'zod';
import { serverFields } from './common.ts';
import { parseEnv, port } from './parse.ts';

export const webSchema = z.object({
  ...serverFields,
  // Listening port of the web app (fan page, operator page, and both APIs under its origin).
  WEB_PORT: port(3002),
  // Where the web app's proxy finds the queue-gateway (served under /gateway).
  GATEWAY_URL: z.string().url().default('http://127.0.0.1:3000'),
  // Where the web app's proxy finds the booking API (served under /booking).
  BOOKING_URL: z.string().url().default('http://127.0.0.1:3001'),
});

export type WebConfig = z.output<typeof webSchema>;

export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  return parseEnv('web', webSchema, env);
}
