import { IdParam, Money } from '@concert/http';
import { Type } from '@sinclair/typebox';

export const UserParams = Type.Object({ userId: IdParam }, { additionalProperties: false });

/** The body schema depends on MAX_CHARGE_AMOUNT, so it is built from the config. */
export function chargeBody(maxChargeAmount: number) {
  return Type.Object(
    { amount: Type.Integer({ minimum: 1, maximum: maxChargeAmount }) },
    { additionalProperties: false },
  );
}

export const BalanceResponse = Type.Object({ userId: Type.Integer(), balance: Money });
