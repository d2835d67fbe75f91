import type { PrismaClient } from '@concert/db';
import { AppError } from '@concert/http';
import { type Answer, hashRequest, runIdempotent } from './idempotency.ts';

export const CHARGES_ENDPOINT = 'charges';

export interface BalanceBody {
  userId: number;
  balance: number;
}

/** A user's balance; the caller has provisioned the user, and a missing Balance row reads as 0. */
export async function readBalance(prisma: PrismaClient, userId: number): Promise<number> {
  const row = await prisma.balance.findUnique({ where: { userId }, select: { amount: true } });
  return Number(row?.amount ?? 0n);
}

/**
 * Adds to a balance and writes its ledger row in one transaction. The increment is a single
 * INSERT … ON DUPLICATE KEY UPDATE, atomic in MySQL, so concurrent charges and payments never lose an
 * update. A balance is kept within JSON's exact integers (2^53 - 1), which the API promises clients.
 */
export async function chargeBalance(
  prisma: PrismaClient,
  txMaxWaitMs: number,
  userId: number,
  amount: number,
  idempotencyKey: string | undefined,
): Promise<Answer<BalanceBody> & { isReplay: boolean }> {
  const scope = {
    userId,
    endpoint: CHARGES_ENDPOINT,
    key: idempotencyKey,
    requestHash: hashRequest({ amount }),
  };
  return runIdempotent<BalanceBody>(prisma, { maxWaitMs: txMaxWaitMs }, scope, async (tx) => {
    await tx.$executeRaw`
      INSERT INTO Balance (user_id, \`value\`, updated_at) VALUES (${userId}, ${amount}, NOW(3))
      ON DUPLICATE KEY UPDATE \`value\` = \`value\` + ${amount}, updated_at = NOW(3)`;
    const [row] = await tx.$queryRaw<
      { amount: bigint }[]
    >`SELECT \`value\` AS amount FROM Balance WHERE user_id = ${userId} FOR UPDATE`;
    if (!row) throw new Error('the balance row is not readable');
    if (row.amount > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new AppError('BALANCE_LIMIT_EXCEEDED', 422, 'the balance would exceed 9007199254740991');
    }
    await tx.$executeRaw`
      INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after, payment_id, created_at)
      VALUES (${userId}, 'CHARGE', ${amount}, ${row.amount}, NULL, NOW(3))`;
    return { statusCode: 200, body: { userId, balance: Number(row.amount) } };
  });
}
