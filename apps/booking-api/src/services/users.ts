import type { PrismaClient } from '@concert/db';
import { LRUCache } from 'lru-cache';

/** Who a request acts for: a verified user token's identity, or a queue token's user. */
export interface UserRef {
  userId: number;
  /** The user token's `name` claim; a queue token carries none. */
  name?: string;
}

export interface UserDirectory {
  /**
   * Creates the user and a zero balance on first sight of a valid token, so that a deployment with
   * an external identity provider needs no user import. Idempotent and race-free: INSERT IGNORE on the
   * primary keys, so any number of concurrent first requests create exactly one row of each.
   */
  provision(user: UserRef): Promise<void>;
}

/**
 * Users are provisioned once per process: the ids already seen are kept, so a known user costs no
 * round trip, and concurrent first requests in one process share one provisioning. The cache is
 * bounded (an on-sale of millions must not grow it without end); a user evicted from it only costs one
 * more idempotent INSERT IGNORE.
 *
 * Two statements, each atomic on its own and not one transaction: wrapped together, concurrent first
 * requests of one user (across instances) deadlocked on the two primary keys, and a crash between
 * them leaves a user without a Balance row, which the next provisioning adds.
 */
export function createUserDirectory(prisma: PrismaClient, maxCached = 200_000): UserDirectory {
  const seen = new LRUCache<number, true>({ max: maxCached });
  const inFlight = new Map<number, Promise<void>>();

  async function insert(userId: number, userName: string): Promise<void> {
    await prisma.$executeRaw`INSERT IGNORE INTO \`User\` (user_id, user_name, created_at) VALUES (${userId}, ${userName}, NOW(3))`;
    await prisma.$executeRaw`INSERT IGNORE INTO Balance (user_id, \`value\`, updated_at) VALUES (${userId}, 0, NOW(3))`;
    seen.set(userId, true);
  }

  return {
    async provision({ userId, name }) {
      if (seen.has(userId)) return;
      let pending = inFlight.get(userId);
      if (!pending) {
        pending = insert(userId, name ?? `user ${userId}`).finally(() => inFlight.delete(userId));
        inFlight.set(userId, pending);
      }
      await pending;
    },
  };
}
