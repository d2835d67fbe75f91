import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer read from the environment, with bounds and a default. */
export const int = (def: number, min = 1, max = 2_147_483_647) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** A TCP port to listen on (0: any free port). */
export const port = (def: number) => int(def, 0, 65535);

/** A boolean read from the environment: true/false/1/0/yes/no. */
export const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const secret = z.string().min(32, 'must be at least 32 characters');

/**
 * Parses `env` against `schema`. On failure it throws one ConfigError whose message is a single line
 * naming every bad or missing variable, so that a service exits with one clear line.
 */
export function parseEnv<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  // Empty strings count as unset, so `FOO=` in a compose file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`${service}: invalid configuration: ${problems.join('; ')}`);
}
