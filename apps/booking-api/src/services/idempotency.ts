import { createHash } from 'node:crypto';
import type { PrismaClient } from '@concert/db';
import { isUniqueViolation } from '../db/errors.ts';
import { runTransaction, type TransactionOptions, type Tx } from '../db/transaction.ts';
import { idempotencyInProgress, idempotencyKeyReused } from '../errors.ts';

const KEY_INDEX = 'Idempotency_Key_user_id_endpoint_idem_key_key';

/** What an endpoint answers: stored as is for a replay. */
export interface Answer<B> {
  statusCode: number;
  body: B;
}

export interface IdempotencyScope {
  userId: number;
  /** A short stable name of the endpoint, e.g. `payments`. */
  endpoint: string;
  /** The Idempotency-Key header; undefined runs the work without idempotency. */
  key: string | undefined;
  /** sha256 of the canonical request body (see hashRequest). */
  requestHash: string;
}

/** sha256 hex of a canonical request: callers normalize it first (sorted ids, no optional noise). */
export function hashRequest(canonical: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The stored answer for a key, if a request with it succeeded. */
export async function findStoredAnswer<B>(
  prisma: PrismaClient,
  scope: Pick<IdempotencyScope, 'userId' | 'endpoint' | 'key'>,
): Promise<(Answer<B> & { requestHash: string }) | null> {
  if (scope.key === undefined) return null;
  const row = await prisma.idempotencyKey.findUnique({
    where: {
      userId_endpoint_idemKey: { userId: scope.userId, endpoint: scope.endpoint, idemKey: scope.key },
    },
    select: { requestHash: true, statusCode: true, responseBody: true },
  });
  // A row without a status is a claim whose transaction has not committed: invisible here anyway.
  if (!row || row.statusCode === 0) return null;
  return {
    statusCode: row.statusCode,
    body: JSON.parse(row.responseBody) as B,
    requestHash: row.requestHash,
  };
}

/** The stored answer if the body matches the first request's, else 422. */
export function replayStored<B>(stored: Answer<B> & { requestHash: string }, requestHash: string): Answer<B> {
  if (stored.requestHash !== requestHash) {
    throw idempotencyKeyReused();
  }
  return { statusCode: stored.statusCode, body: stored.body };
}

/**
 * Runs `work` in one transaction that first claims the key: a unique row per (user, endpoint, key).
 * A concurrent request with the same key waits on that row's lock until the first commits (and then
 * replays its answer) or rolls back (and then runs itself). Only a success is stored, in the same
 * transaction as the work, so a failed request may be retried with the same key.
 */
export async function runIdempotent<B>(
  prisma: PrismaClient,
  txOptions: TransactionOptions,
  scope: IdempotencyScope,
  work: (tx: Tx) => Promise<Answer<B>>,
): Promise<Answer<B> & { isReplay: boolean }> {
  const { key } = scope;
  if (key === undefined) return { ...(await runTransaction(prisma, txOptions, work)), isReplay: false };

  const stored = await findStoredAnswer<B>(prisma, scope);
  if (stored) return { ...replayStored(stored, scope.requestHash), isReplay: true };

  try {
    const answer = await runTransaction(prisma, txOptions, async (tx) => {
      await tx.$executeRaw`
        INSERT INTO Idempotency_Key (user_id, endpoint, idem_key, request_hash, status_code, response_body, created_at)
        VALUES (${scope.userId}, ${scope.endpoint}, ${key}, ${scope.requestHash}, 0, '', NOW(3))`;
      const result = await work(tx);
      await tx.$executeRaw`
        UPDATE Idempotency_Key SET status_code = ${result.statusCode}, response_body = ${JSON.stringify(result.body)}
         WHERE user_id = ${scope.userId} AND endpoint = ${scope.endpoint} AND idem_key = ${key}`;
      return result;
    });
    return { ...answer, isReplay: false };
  } catch (error) {
    if (!isUniqueViolation(error, KEY_INDEX)) throw error;
    // The claim collided with a request that committed meanwhile: answer as it did.
    const winner = await findStoredAnswer<B>(prisma, scope);
    if (!winner) throw idempotencyInProgress();
    return { ...replayStored(winner, scope.requestHash), isReplay: true };
  }
}
