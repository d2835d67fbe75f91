import { Prisma, type PrismaClient } from '@concert/db';
import { AppError } from '@concert/http';
import type { TokenClaims } from '@concert/queue-core';
import { tokenNotActive } from '../plugins/token-gate.ts';
import { type Answer, hashRequest, runIdempotent } from './idempotency.ts';

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

const notPayable = () =>
  new AppError(
    'RESERVATION_NOT_PAYABLE',
    409,
    'a reservation is expired, already paid, or past its expiresAt',
  );

/**
 * Pays for held seats: all or nothing, in one transaction. The idempotency key (if any) is claimed
 * first; then the reservations are locked, checked, and completed only if still payable, and the
 * balance is taken by a conditional decrement, so that neither an expiry racing the payment nor a
 * concurrent charge or payment can leave a half-paid or negative state.
 */
export async function payForReservations(
  prisma: PrismaClient,
  txMaxWaitMs: number,
  claims: TokenClaims,
  reservationIds: number[],
  idempotencyKey: string | undefined,
): Promise<Answer<PaymentBody> & { isReplay: boolean }> {
  const { userId } = claims;
  const scope = {
    userId,
    endpoint: PAYMENTS_ENDPOINT,
    key: idempotencyKey,
    requestHash: hashPaymentRequest(reservationIds),
  };
  const ids = Prisma.join(reservationIds);

  return runIdempotent<PaymentBody>(prisma, { maxWaitMs: txMaxWaitMs }, scope, async (tx) => {
    const rows = await tx.$queryRaw<
      {
        id: number;
        userId: number;
        concertId: number;
        scheduleId: number;
        status: string;
        price: bigint;
        isPayable: bigint | number;
      }[]
    >`
      SELECT r.reservation_id AS id, r.user_id AS userId, cs.concert_id AS concertId,
             r.concert_schedule_id AS scheduleId, r.status, r.seat_price AS price,
             (r.status = 'PROGRESS' AND r.expires_at > NOW(3)) AS isPayable
        FROM Reservation r JOIN Concert_Schedule cs ON cs.concert_schedule_id = r.concert_schedule_id
       WHERE r.reservation_id IN (${ids})
       ORDER BY r.reservation_id
         FOR UPDATE`;
    // Another user's reservation reads as unknown: its existence is none of the caller's business.
    const own = rows.filter((r) => Number(r.userId) === userId);
    if (own.some((r) => Number(r.concertId) !== claims.concertId)) {
      throw tokenNotActive('a reservation belongs to another concert than the queue token');
    }
    if (own.length !== reservationIds.length) {
      throw new AppError('RESERVATION_NOT_FOUND', 404, 'a reservation is unknown or not yours');
    }
    if (own.some((r) => Number(r.isPayable) !== 1)) throw notPayable();

    const total = own.reduce((sum, r) => sum + BigInt(r.price), 0n);
    const debited = await tx.$executeRaw`
      UPDATE Balance SET \`value\` = \`value\` - ${total}, updated_at = NOW(3)
       WHERE user_id = ${userId} AND \`value\` >= ${total}`;
    if (debited !== 1)
      throw new AppError('INSUFFICIENT_BALANCE', 409, `the balance is below the total of ${total}`);

    const scheduleId = findSingleSchedule(own);
    await tx.$executeRaw`
      INSERT INTO Payment (user_id, concert_schedule_id, amount, created_at)
      VALUES (${userId}, ${scheduleId}, ${total}, NOW(3))`;
    const [created] = await tx.$queryRaw<{ paymentId: bigint | number; balance: bigint }[]>`
      SELECT LAST_INSERT_ID() AS paymentId, \`value\` AS balance FROM Balance WHERE user_id = ${userId} FOR UPDATE`;
    if (!created) throw new Error('the payment row is not readable');
    const paymentId = Number(created.paymentId);

    // Conditional once more: the rows are locked, but the rule lives in the statement that writes them.
    const completed = await tx.$executeRaw`
      UPDATE Reservation SET status = 'COMPLETED', confirmed_at = NOW(3), payment_id = ${paymentId}
       WHERE reservation_id IN (${ids}) AND user_id = ${userId} AND status = 'PROGRESS' AND expires_at > NOW(3)`;
    if (completed !== reservationIds.length) throw notPayable();

    await tx.$executeRaw`
      INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after, payment_id, created_at)
      VALUES (${userId}, 'PAYMENT', ${-total}, ${created.balance}, ${paymentId}, NOW(3))`;

    return {
      statusCode: 201,
      body: { paymentId, reservationIds, amount: Number(total), balance: Number(created.balance) },
    };
  });
}

/**
 * The schedule a payment records: the one date all its reservations are on, or null when they span
 * several dates of the concert. One value would then be false, and Reservation.concert_schedule_id
 * already keeps each reservation's date, so null is the honest record.
 */
function findSingleSchedule(reservations: { scheduleId: number }[]): number | null {
  const scheduleIds = new Set(reservations.map((r) => Number(r.scheduleId)));
  const [only] = scheduleIds;
  return scheduleIds.size === 1 && only !== undefined ? only : null;
}
