import type { SqlConnection, SqlPool } from '@concert/db';
import pLimit from 'p-limit';

/**
 * The SQL of the booking API's two hot paths, a hold and a payment, sent on the raw `mariadb` driver
 * as multi-statement batches: a hold is one round trip, a payment two (the batch, then COMMIT or
 * ROLLBACK). Everything else goes through Prisma.
 *
 * Why not Prisma here: an interactive Prisma transaction sends each statement as its own round trip,
 * and measured 0.18× the same statements on the raw driver (bench/README.md, "booking"). The hold is
 * 4 statements and the payment 9, so the query builder would cost 4 and 11 round trips.
 *
 * The rules live in the statements themselves (conditional INSERT and UPDATEs, the unique live-seat
 * index, the balance's CHECK), so that no interleaving of requests can break them; the caller only
 * reads what happened and decides between COMMIT and ROLLBACK.
 */

/** MySQL error numbers the callers act on. */
export const ER_DUP_ENTRY = 1062;
export const ER_LOCK_DEADLOCK = 1213;
export const ER_LOCK_WAIT_TIMEOUT = 1205;

/** Attempts of a batch that InnoDB chose as a deadlock victim. */
export const MAX_CONFLICT_ATTEMPTS = 3;

export const LIVE_SEAT_INDEX = 'Reservation_live_seat_id_key';
export const IDEMPOTENCY_INDEX = 'Idempotency_Key_user_id_endpoint_idem_key_key';

interface SqlErrorLike {
  errno?: number;
  sqlMessage?: string | null;
}

export function sqlErrno(error: unknown): number | undefined {
  return (error as SqlErrorLike | null)?.errno;
}

/** A duplicate key on the named unique index. */
export function isDuplicateOn(error: unknown, index: string): boolean {
  const e = error as SqlErrorLike | null;
  return e?.errno === ER_DUP_ENTRY && (e.sqlMessage ?? '').includes(index);
}

/** A deadlock victim or a lock wait timeout: InnoDB rolled the work back, and it may run again. */
export function isRetryableSqlConflict(error: unknown): boolean {
  const errno = sqlErrno(error);
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

/**
 * Runs `work` again, up to MAX_CONFLICT_ATTEMPTS in all, while InnoDB picks it as a deadlock victim
 * (or its lock wait times out): the rollback undid all of it, so a rerun is safe. Anything else
 * propagates at once.
 */
export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= MAX_CONFLICT_ATTEMPTS || !isRetryableSqlConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

export class GateTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(`waited ${waitedMs} ms for a MySQL connection`);
    this.name = 'GateTimeoutError';
  }
}

export interface HoldInsert {
  userId: number;
  scheduleId: number;
  seatId: number;
  ttlSeconds: number;
  maxHoldsPerUser: number;
}

export type HoldOutcome =
  | { kind: 'held'; reservationId: number; price: bigint; expiresAt: Date; msUntilExpiry: number }
  | { kind: 'limit' }
  | { kind: 'no-seat' }
  | { kind: 'duplicate' };

export interface PaymentBatchInput {
  userId: number;
  reservationIds: number[];
  /** The claim of an Idempotency-Key, made first in the same transaction. */
  claim?: { endpoint: string; key: string; requestHash: string };
}

export interface PaymentBatchRow {
  id: number;
  userId: number;
  scheduleId: number;
  payable: boolean;
}

export interface PaymentBatchResult {
  /** Every requested reservation that exists, whoever owns it, locked until COMMIT or ROLLBACK. */
  rows: PaymentBatchRow[];
  /** The caller's payable reservations among them, and their total. */
  payableCount: number;
  total: bigint;
  debited: boolean;
  paymentId: number | null;
  completed: number;
  balance: bigint;
}

/** What the caller decided from a batch's result: the answer, stored with the claim and committed. */
export interface PaymentDecision<B> {
  statusCode: number;
  body: B;
}

export interface HotSql {
  hold(input: HoldInsert): Promise<HoldOutcome>;
  /** Expires the seat's hold if it is past due: the retry path of a duplicate seat. */
  releasePastDue(seatId: number): Promise<boolean>;
  /**
   * Runs the payment batch, then `decide`: its answer is stored with the idempotency claim (if any)
   * and committed in one more round trip; a throw rolls everything back and propagates. A duplicate
   * claim throws (rolled back) before `decide` runs.
   */
  pay<B>(
    input: PaymentBatchInput,
    decide: (result: PaymentBatchResult) => Promise<PaymentDecision<B>> | PaymentDecision<B>,
  ): Promise<PaymentDecision<B>>;
  close(): Promise<void>;
}

const HOLD_BATCH = `
START TRANSACTION;
SELECT user_id FROM \`User\` WHERE user_id = ? FOR UPDATE;
SELECT COUNT(*) INTO @held FROM Reservation
 WHERE user_id = ? AND concert_schedule_id = ? AND status = 'PROGRESS' AND expires_at > NOW(3);
INSERT INTO Reservation (user_id, concert_schedule_id, seat_id, seat_price, status, expires_at, created_at)
SELECT ?, s.concert_schedule_id, s.seat_id, s.seat_price, 'PROGRESS', NOW(3) + INTERVAL ? SECOND, NOW(3)
  FROM Seat s WHERE s.seat_id = ? AND s.concert_schedule_id = ? AND @held < ?;
SET @inserted = ROW_COUNT();
SELECT @inserted AS inserted, @held AS held, r.seat_price AS price, r.expires_at AS expiresAt,
       TIMESTAMPDIFF(MICROSECOND, NOW(3), r.expires_at) AS remaining, r.reservation_id AS id
  FROM (SELECT 1) AS one LEFT JOIN Reservation r ON @inserted = 1 AND r.reservation_id = LAST_INSERT_ID();
COMMIT`;

function paymentBatch(count: number, claimed: boolean): string {
  const ids = Array.from({ length: count }, () => '?').join(', ');
  return `
START TRANSACTION;
${
  claimed
    ? `INSERT INTO Idempotency_Key (user_id, endpoint, idem_key, request_hash, status_code, response_body, created_at)
VALUES (?, ?, ?, ?, 0, '', NOW(3));`
    : ''
}
SELECT reservation_id AS id, user_id AS userId, concert_schedule_id AS scheduleId,
       (status = 'PROGRESS' AND expires_at > NOW(3)) AS payable
  FROM Reservation WHERE reservation_id IN (${ids}) ORDER BY reservation_id FOR UPDATE;
SELECT COUNT(*), COALESCE(SUM(seat_price), 0),
       IF(COUNT(DISTINCT concert_schedule_id) = 1, MIN(concert_schedule_id), NULL)
  INTO @n, @total, @schedule
  FROM Reservation
 WHERE reservation_id IN (${ids}) AND user_id = ? AND status = 'PROGRESS' AND expires_at > NOW(3);
UPDATE Balance SET \`value\` = \`value\` - @total, updated_at = NOW(3)
 WHERE user_id = ? AND \`value\` >= @total AND @n = ?;
SET @debited = ROW_COUNT();
INSERT INTO Payment (user_id, concert_schedule_id, amount, created_at)
SELECT ?, @schedule, @total, NOW(3) FROM DUAL WHERE @debited = 1;
SET @payment = IF(@debited = 1, LAST_INSERT_ID(), NULL);
UPDATE Reservation SET status = 'COMPLETED', confirmed_at = NOW(3), payment_id = @payment
 WHERE @payment IS NOT NULL AND reservation_id IN (${ids}) AND user_id = ?
   AND status = 'PROGRESS' AND expires_at > NOW(3);
SET @completed = ROW_COUNT();
INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after, payment_id, created_at)
SELECT user_id, 'PAYMENT', -@total, \`value\`, @payment, NOW(3) FROM Balance
 WHERE user_id = ? AND @payment IS NOT NULL;
SELECT @n AS n, @total AS total, @debited AS debited, @payment AS paymentId, @completed AS completed,
       (SELECT \`value\` FROM Balance WHERE user_id = ?) AS balance`;
}

const STORE_ANSWER = `UPDATE Idempotency_Key SET status_code = ?, response_body = ?
 WHERE user_id = ? AND endpoint = ? AND idem_key = ?;
COMMIT`;

type Row = Record<string, unknown>;

/** The result sets of a multi-statement batch: an array per SELECT, an OkPacket per other statement. */
type BatchResults = (Row[] | Row)[];

function selects(results: BatchResults): Row[][] {
  return results.filter((r): r is Row[] => Array.isArray(r));
}

const num = (v: unknown) => Number(v ?? 0);
const toBigInt = (v: unknown) => BigInt((v as bigint | number | string | null) ?? 0);

export interface HotSqlOptions {
  /** The pool's connection limit: callers beyond it wait in arrival order. */
  poolSize: number;
  /** A caller that waited this long for its turn answers 503 without touching MySQL. */
  maxWaitMs: number;
}

/**
 * The hot SQL over a pool. Callers take connections through a FIFO gate of the pool's size: the
 * driver's pool lets a new caller take a just-freed connection ahead of those already waiting, which
 * showed as a long tail at p99 under load. p-limit keeps arrival order.
 */
export function createHotSql(pool: SqlPool, opts: HotSqlOptions): HotSql {
  const gate = pLimit(opts.poolSize);

  function withConnection<T>(work: (conn: SqlConnection) => Promise<T>): Promise<T> {
    const queuedAt = performance.now();
    return gate(async () => {
      const waited = performance.now() - queuedAt;
      if (waited > opts.maxWaitMs) throw new GateTimeoutError(Math.round(waited));
      const conn = await pool.getConnection();
      try {
        return await work(conn);
      } finally {
        conn.release().catch(() => undefined);
      }
    });
  }

  /** Ends a failed batch's transaction; a connection that cannot even roll back is closed. */
  async function rollbackQuietly(conn: SqlConnection): Promise<void> {
    try {
      await conn.query('ROLLBACK');
    } catch {
      await conn.destroy();
    }
  }

  async function runBatch(conn: SqlConnection, sql: string, values: unknown[]): Promise<BatchResults> {
    try {
      return (await conn.query(sql, values)) as BatchResults;
    } catch (error) {
      // A batch stops at its failing statement, inside the transaction it opened.
      await rollbackQuietly(conn);
      throw error;
    }
  }

  return {
    hold(input) {
      return withConnection(async (conn) => {
        const { userId, scheduleId, seatId } = input;
        let results: BatchResults;
        try {
          // A deadlock victim (inserts waiting on one unique key can deadlock when the first rolls
          // back): InnoDB undid the batch, so it runs again.
          results = await retryOnConflict(() =>
            runBatch(conn, HOLD_BATCH, [
              userId,
              userId,
              scheduleId,
              userId,
              input.ttlSeconds,
              seatId,
              scheduleId,
              input.maxHoldsPerUser,
            ]),
          );
        } catch (error) {
          // The database's guarantee against double booking, whatever any lock did.
          if (isDuplicateOn(error, LIVE_SEAT_INDEX)) return { kind: 'duplicate' };
          throw error;
        }
        const [userRows, outcomeRows] = selects(results);
        if (!userRows?.length) throw new Error(`user ${userId} was not provisioned`);
        const row = outcomeRows?.[0];
        if (!row) throw new Error('the hold batch answered no outcome');
        if (num(row.inserted) === 1) {
          return {
            kind: 'held',
            reservationId: num(row.id),
            price: toBigInt(row.price),
            expiresAt: row.expiresAt as Date,
            msUntilExpiry: Math.ceil(num(row.remaining) / 1000),
          };
        }
        return num(row.held) >= input.maxHoldsPerUser ? { kind: 'limit' } : { kind: 'no-seat' };
      });
    },

    releasePastDue(seatId) {
      return withConnection(async (conn) => {
        // The sweep releasing the same row at that moment can make this the deadlock victim (seen in
        // the on-sale simulation): it runs again, and finds the row released or not.
        const ok = (await retryOnConflict(() =>
          conn.query(
            `UPDATE Reservation SET status = 'EXPIRED'
              WHERE live_seat_id = ? AND status = 'PROGRESS' AND expires_at <= NOW(3)`,
            [seatId],
          ),
        )) as { affectedRows: number };
        return ok.affectedRows > 0;
      });
    },

    pay(input, decide) {
      const { userId, reservationIds, claim } = input;
      const values: unknown[] = [
        ...(claim ? [userId, claim.endpoint, claim.key, claim.requestHash] : []),
        ...reservationIds,
        ...reservationIds,
        userId,
        userId,
        reservationIds.length,
        userId,
        ...reservationIds,
        userId,
        userId,
        userId,
      ];
      return withConnection(async (conn) => {
        const results = await runBatch(
          conn,
          paymentBatch(reservationIds.length, claim !== undefined),
          values,
        );
        let decision: Awaited<ReturnType<typeof decide>>;
        try {
          const [rows = [], [summary] = []] = selects(results);
          if (!summary) throw new Error('the payment batch answered no summary');
          decision = await decide({
            rows: rows.map((r) => ({
              id: num(r.id),
              userId: num(r.userId),
              scheduleId: num(r.scheduleId),
              payable: num(r.payable) === 1,
            })),
            payableCount: num(summary.n),
            total: toBigInt(summary.total),
            debited: num(summary.debited) === 1,
            paymentId: summary.paymentId === null ? null : num(summary.paymentId),
            completed: num(summary.completed),
            balance: toBigInt(summary.balance),
          });
        } catch (error) {
          await rollbackQuietly(conn);
          throw error;
        }
        try {
          if (claim) {
            await conn.query(STORE_ANSWER, [
              decision.statusCode,
              JSON.stringify(decision.body),
              userId,
              claim.endpoint,
              claim.key,
            ]);
          } else {
            await conn.query('COMMIT');
          }
        } catch (error) {
          await rollbackQuietly(conn);
          throw error;
        }
        return decision;
      });
    },

    close: () => pool.end(),
  };
}
