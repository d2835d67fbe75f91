import { Id, IdParam, Money } from '@concert/http';
import { type Static, Type } from '@sinclair/typebox';

export const HoldBody = Type.Object({ scheduleId: Id, seatId: Id }, { additionalProperties: false });
export type HoldBody = Static<typeof HoldBody>;

export const ReservationParams = Type.Object({ reservationId: IdParam }, { additionalProperties: false });

export const ReservationStatus = Type.Union([
  Type.Literal('PROGRESS'),
  Type.Literal('COMPLETED'),
  Type.Literal('EXPIRED'),
]);

export const Reservation = Type.Object({
  reservationId: Type.Integer(),
  scheduleId: Type.Integer(),
  seatId: Type.Integer(),
  price: Money,
  status: ReservationStatus,
  expiresAt: Type.String(),
  confirmedAt: Type.Optional(Type.String()),
});
export type Reservation = Static<typeof Reservation>;

export const HoldResponse = Type.Object({
  reservationId: Type.Integer(),
  scheduleId: Type.Integer(),
  seatId: Type.Integer(),
  price: Money,
  status: Type.Literal('PROGRESS'),
  expiresAt: Type.String(),
});
