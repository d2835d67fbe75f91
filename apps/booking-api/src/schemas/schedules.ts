import { IdParam, Money } from '@concert/http';
import { Type } from '@sinclair/typebox';

export const ScheduleParams = Type.Object({ scheduleId: IdParam }, { additionalProperties: false });

export const SeatStatus = Type.Union([Type.Literal('AVAILABLE'), Type.Literal('HELD'), Type.Literal('SOLD')]);

export const SeatList = Type.Array(
  Type.Object({ seatId: Type.Integer(), seatNo: Type.String(), price: Money, status: SeatStatus }),
);
