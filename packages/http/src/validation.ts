import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { FieldError } from './errors.ts';
import { ID_PATTERN } from './ids.ts';

/**
 * Fastify's default Ajv coerces body types ("5" and true both become 5) and strips unknown fields.
 * The contract rejects both, so every part validates strictly: ids in paths are declared as strings with
 * an exact pattern (see ids.ts) instead of relying on coercion.
 */
export function useStrictValidation(app: FastifyInstance): void {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    coerceTypes: false,
    useDefaults: false,
    strict: false,
  });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
}

/** Ajv errors as the contract's `errors: [{ path, message }]`, one per offending field. */
export function toFieldErrors(errors: ErrorObject[] | undefined | null): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let path = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path = `${path}/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not allowed';
    } else if (e.keyword === 'pattern' && (e.params as { pattern: string }).pattern === ID_PATTERN) {
      message = 'must be an integer from 1 to 2147483647';
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}
