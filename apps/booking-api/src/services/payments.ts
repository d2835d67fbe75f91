import type { PrismaClient } from '@concert/db';
import type { QueueCore, TokenClaims, TokenState } from '@concert/queue-core';
import {
  type HotSql,
  IDEMPOTENCY_INDEX,
  isDuplicateOn,
  type PaymentBatchResult,
  type PaymentDecision,
  retryOnConflict,
} from '../db/hot-sql.ts';
import {
  idempotencyInProgress,
  insufficientBalance,
  notPayable,
  reservationNotFound,
  tokenNotActive,
} from '../errors.ts';
import type { CatalogCache } from './catalog-cache.ts';
import { type Answer, findStoredAnswer, hashRequest, replayStored } from './idempotency.ts';
import { countBySchedule, type SeatChange, type SeatChanges } from './seat-changes.ts';

export const PAYMENTS_ENDPOINT = 'payments';

export interface PaymentBody {
  paymentId: number;
  reservationIds: number[];
  amount: number;
  balance: number;
}

/** The hash of a payment request: the order of reservationIds does not matter. */
export function hashPaymentRequest(reservationIds: number[]): string {
  return hashRequest({ reservationIds: [...reservationIds].sort((a, b) => a - b) });
}

export interface PaymentContext {
  sql: HotSql;
  catalog: CatalogCache;
  prisma: PrismaClient;
  seatChanges: SeatChanges;
  queue: QueueCore;
}

export interface PaymentRequest {
  claims: TokenClaims;
  /** The queue token's state, read by the gate but judged here: a replay is answered whatever it is. */
  tokenState: TokenState | null;
  reservationIds: number[];
  idempotencyKey: string | undefined;
  /** The request's logger, so that a warning carries the request's context. */
  log: { warn(obj: object, msg: string): void };
}

/**
 * POST /v1/payments: a replay of a stored answer whatever the token's state (the payment itself
 * expired it, and a client that lost the answer retries with it); else, with an ACTIVE token, the
 * payment, and then the token expired so that its queue slot is free at once.
 */
export async function pay(ctx: PaymentContext, req: PaymentRequest): Promise<Answer<PaymentBody>> {
  const { claims, reservationIds, idempotencyKey } = req;
  if (req.tokenState !== 'ACTIVE') {
    const stored = await findStoredAnswer<PaymentBody>(ctx.prisma, {
      userId: claims.userId,
      endpoint: PAYMENTS_ENDPOINT,
      key: idempotencyKey,
    });
    if (stored && stored.requestHash === hashPaymentRequest(reservationIds)) {
      return { statusCode: stored.statusCode, body: stored.body };
    }
    throw tokenNotActive();
  }

  const answer = await payForReservations(ctx, claims, reservationIds, idempotencyKey);
  // A replay changed nothing, so it must not spend the caller's current token either: that may be a
  // later session of the same user.
  if (!answer.isReplay) {
    // Committed. Freeing the queue slot may not fail the payment: a token left ACTIVE expires with
    // its TTL. The expiry buckets stay: they are shared, and a paid hold matches no sweep.
    await ctx.queue
      .expireToken(claims, 'paid')
      .catch((err: unknown) => req.log.warn({ err }, 'could not expire the paid token'));
  }
  return { statusCode: answer.statusCode, body: answer.body };
}

/**
 * Pays for held seats: all or nothing, in one transaction of two round trips (hot-sql.ts). The batch
 * claims the idempotency key first, locks the reservations (and no schedule row), takes the balance by
 * a conditional decrement, writes the Payment and ledger rows and completes the reservations, each
 * statement conditional on the ones before. The checks below read what it did; the second round trip
 * stores the answer with the claim and commits, or rolls everything back.
 *
 * A duplicate claim means a request with the same key committed first (a concurrent one waits on the
 * claim's row lock until then): its stored answer is replayed.
 */
async function payForReservations(
  ctx: PaymentContext,
  claims: TokenClaims,
  reservationIds: number[],
  idempotencyKey: string | undefined,
): Promise<Answer<PaymentBody> & { isReplay: boolean }> {
  const { userId } = claims;
  const requestHash = hashPaymentRequest(reservationIds);
  const claim =
    idempotencyKey === undefined
      ? undefined
      : { endpoint: PAYMENTS_ENDPOINT, key: idempotencyKey, requestHash };

  try {
    let sold: SeatChange[] = [];
    // A deadlock victim runs again: the rollback undid all of it, the claim included.
    const answer = await retryOnConflict(() =>
      ctx.sql.pay<PaymentBody>({ userId, reservationIds, claim }, async (result) => {
        const decision = await decide(ctx.catalog, claims, reservationIds, result);
        sold = countBySchedule(
          result.rows.map((r) => ({ scheduleId: r.scheduleId, concertId: claims.concertId })),
        );
        return decision;
      }),
    );
    ctx.seatChanges.sold(sold);
    return { ...answer, isReplay: false };
  } catch (error) {
    if (!claim || !isDuplicateOn(error, IDEMPOTENCY_INDEX)) throw error;
    const winner = await findStoredAnswer<PaymentBody>(ctx.prisma, { userId, ...claim });
    if (!winner) {
      throw idempotencyInProgress();
    }
    return { ...replayStored(winner, requestHash), isReplay: true };
  }
}

/** Reads what the batch did, in the contract's order of refusals; a throw rolls it all back. */
async function decide(
  catalog: CatalogCache,
  claims: TokenClaims,
  reservationIds: number[],
  result: PaymentBatchResult,
): Promise<PaymentDecision<PaymentBody>> {
  // Another user's reservation reads as unknown: its existence is none of the caller's business.
  const own = result.rows.filter((r) => r.userId === claims.userId);
  for (const scheduleId of new Set(own.map((r) => r.scheduleId))) {
    const schedule = await catalog.schedule(scheduleId);
    if (schedule?.concertId !== claims.concertId) {
      throw tokenNotActive('a reservation belongs to another concert than the queue token');
    }
  }
  if (own.length !== reservationIds.length) throw reservationNotFound();
  if (own.some((r) => !r.payable) || result.payableCount !== reservationIds.length) throw notPayable();
  if (!result.debited) throw insufficientBalance(result.total);
  // Conditional once more: the rows are locked, but the rule lives in the statement that writes them.
  if (result.paymentId === null || result.completed !== reservationIds.length) throw notPayable();
  return {
    statusCode: 201,
    body: {
      paymentId: result.paymentId,
      reservationIds,
      amount: Number(result.total),
      balance: Number(result.balance),
    },
  };
}
