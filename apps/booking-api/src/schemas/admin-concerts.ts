import { IdParam, Money } from '@concert/http';
import { type Static, Type } from '@sinclair/typebox';

/** Limits of one catalog request (the contract). */
export const CATALOG_LIMITS = {
  schedules: 31,
  sectionsPerSchedule: 200,
  seatsPerSection: 1000,
  seatsPerSchedule: 20_000,
} as const;

const Section = Type.Object(
  {
    row: Type.String({ minLength: 1, maxLength: 8, pattern: '^[A-Za-z0-9]+$' }),
    seats: Type.Integer({ minimum: 1, maximum: CATALOG_LIMITS.seatsPerSection }),
    price: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

const ScheduleSpec = Type.Object(
  {
    playDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    sections: Type.Array(Section, { minItems: 1, maxItems: CATALOG_LIMITS.sectionsPerSchedule }),
  },
  { additionalProperties: false },
);

export const CreateConcertBody = Type.Object(
  {
    // At least one visible character: a name of spaces is no name.
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    schedules: Type.Array(ScheduleSpec, { minItems: 1, maxItems: CATALOG_LIMITS.schedules }),
  },
  { additionalProperties: false },
);
export type CreateConcertBody = Static<typeof CreateConcertBody>;

export const AdminConcertParams = Type.Object({ concertId: IdParam }, { additionalProperties: false });

const CreatedSchedule = Type.Object({
  scheduleId: Type.Integer(),
  playDate: Type.String(),
  totalSeats: Type.Integer({ minimum: 0 }),
});

export const CreatedConcert = Type.Object({
  concertId: Type.Integer(),
  name: Type.String(),
  schedules: Type.Array(CreatedSchedule),
});

export const ConcertSales = Type.Object({
  concertId: Type.Integer(),
  name: Type.String(),
  schedules: Type.Array(
    Type.Object({
      scheduleId: Type.Integer(),
      playDate: Type.String(),
      totalSeats: Type.Integer({ minimum: 0 }),
      sold: Type.Integer({ minimum: 0 }),
      held: Type.Integer({ minimum: 0 }),
      revenue: Money,
    }),
  ),
});
