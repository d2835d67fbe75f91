import { Id, Money } from '@concert/http';
import { Type } from '@sinclair/typebox';

/** The body schema depends on MAX_HOLDS_PER_USER, so it is built from the config. */
export function paymentBody(maxHoldsPerUser: number) {
  return Type.Object(
    { reservationIds: Type.Array(Id, { minItems: 1, maxItems: maxHoldsPerUser, uniqueItems: true }) },
    { additionalProperties: false },
  );
}

export const PaymentResponse = Type.Object({
  paymentId: Type.Integer(),
  reservationIds: Type.Array(Type.Integer()),
  amount: Money,
  balance: Money,
});
