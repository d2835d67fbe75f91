import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/**
 * The preHandler of the admin endpoints: `X-Admin-Key` must equal the configured key, compared in
 * constant time. Without a configured key, admin is disabled and every call answers 401.
 */
export function createAdminKeyGuard(adminApiKey: string | undefined) {
  const expected = adminApiKey ? Buffer.from(adminApiKey) : null;
  return async function requireAdminKey(request: FastifyRequest): Promise<void> {
    const given = request.headers['x-admin-key'];
    const candidate = typeof given === 'string' ? Buffer.from(given) : null;
    const isValid =
      expected !== null &&
      candidate !== null &&
      candidate.length === expected.length &&
      timingSafeEqual(candidate, expected);
    if (!isValid) {
      throw new AppError(
        'ADMIN_KEY_INVALID',
        401,
        expected ? 'X-Admin-Key is missing or wrong' : 'admin is disabled',
      );
    }
  };
}
