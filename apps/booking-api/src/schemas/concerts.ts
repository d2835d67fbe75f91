import { IdParam } from '@concert/http';
import { Type } from '@sinclair/typebox';

export const ConcertParams = Type.Object({ concertId: IdParam }, { additionalProperties: false });

export const ConcertList = Type.Array(Type.Object({ concertId: Type.Integer(), name: Type.String() }));

export const ScheduleList = Type.Array(
  Type.Object({
    scheduleId: Type.Integer(),
    /** YYYY-MM-DD */
    playDate: Type.String(),
    totalSeats: Type.Integer({ minimum: 0 }),
    availableSeats: Type.Integer({ minimum: 0 }),
  }),
);
