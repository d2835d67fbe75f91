import type { PrismaClient } from '@concert/db';
import { balanceLimitExceeded, forbidden } from '../errors.ts';
import { type Answer, hashRequest, runIdempotent } from './idempotency.ts';
import type { UserDirectory, UserRef } from './users.ts';

export const CHARGES_ENDPOINT = 'charges';

export interface BalanceBody {
  userId: number;
  balance: number;
}

export interface BalanceContext {
  prisma: PrismaClient;
  users: UserDirectory;
  txMaxWaitMs: number;
}

/**
 * A balance is its owner's alone: a valid user token for another user is 403 FORBIDDEN, and nothing
 * is written. The owner is provisioned on first sight, so a new user reads a zero balance.
 */
async function requireOwner(users: UserDirectory, caller: UserRef, userId: number): Promise<void> {
  if (caller.userId !== userId) throw forbidden();
  await users.provision(caller);
}

/** GET /v1/users/{userId}/balance; a missing Balance row reads as 0. */
export async function readOwnBalance(
  ctx: BalanceContext,
  caller: UserRef,
  userId: number,
): Promise<BalanceBody> {
  await requireOwner(ctx.users, caller, userId);
  const row = await ctx.prisma.balance.findUnique({ where: { userId }, select: { amount: true } });
  return { userId, balance: Number(row?.amount ?? 0n) };
}

/** POST /v1/users/{userId}/balance/charges: the owner's charge, idempotent under its key. */
export async function chargeOwnBalance(
  ctx: BalanceContext,
  caller: UserRef,
  userId: number,
  amount: number,
  idempotencyKey: string | undefined,
): Promise<Answer<BalanceBody>> {
  await requireOwner(ctx.users, caller, userId);
  const { statusCode, body } = await chargeBalance(
    ctx.prisma,
    ctx.txMaxWaitMs,
    userId,
    amount,
    idempotencyKey,
  );
  return { statusCode, body };
}

/**
 * Adds to a balance and writes its ledger row in one transaction. The increment is a single
 * INSERT … ON DUPLICATE KEY UPDATE, atomic in MySQL, so concurrent charges and payments never lose an
 * update. A balance is kept within JSON's exact integers (2^53 - 1), which the API promises clients.
 */
async function chargeBalance(
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
      throw balanceLimitExceeded();
    }
    await tx.$executeRaw`
      INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after, payment_id, created_at)
      VALUES (${userId}, 'CHARGE', ${amount}, ${row.amount}, NULL, NOW(3))`;
    return { statusCode: 200, body: { userId, balance: Number(row.amount) } };
  });
}
