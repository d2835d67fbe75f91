import type { Prisma, PrismaClient } from '@concert/db';
import { isRetryableConflict } from './errors.ts';

export type Tx = Prisma.TransactionClient;

export interface TransactionOptions {
  /** How long to wait for a connection to start the transaction; past it, P2028 answers 503. */
  maxWaitMs: number;
  isolationLevel?: Prisma.TransactionIsolationLevel;
}

/** Attempts of one transaction that InnoDB chose as a deadlock victim. */
const MAX_ATTEMPTS = 3;

/**
 * Runs `work` in one interactive transaction, and runs it again when InnoDB rolled it back as a
 * deadlock victim (the rollback undid everything, so a rerun is safe). Anything else propagates.
 */
export async function runTransaction<T>(
  prisma: PrismaClient,
  opts: TransactionOptions,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, {
        maxWait: opts.maxWaitMs,
        timeout: 15_000,
        ...(opts.isolationLevel ? { isolationLevel: opts.isolationLevel } : {}),
      });
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
