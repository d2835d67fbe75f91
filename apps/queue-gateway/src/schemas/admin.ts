import { IdParam } from '@concert/http';
import { Type } from '@sinclair/typebox';

const Positive = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const RoomParams = Type.Object({ concertId: IdParam }, { additionalProperties: false });

export const RoomConfigBody = Type.Object(
  {
    maxActive: Type.Optional(Positive),
    admitPerSecond: Type.Optional(Positive),
    activeTtlSeconds: Type.Optional(Positive),
    idleTimeoutSeconds: Type.Optional(Positive),
    maxWaiting: Type.Optional(Positive),
  },
  { additionalProperties: false },
);

export const Room = Type.Object({
  concertId: Type.Integer(),
  waiting: Type.Integer(),
  active: Type.Integer(),
  admittedLastMinute: Type.Integer(),
  measuredAdmitPerSecond: Type.Union([Type.Number(), Type.Null()]),
  config: Type.Object({
    maxActive: Type.Integer(),
    admitPerSecond: Type.Integer(),
    activeTtlSeconds: Type.Integer(),
    idleTimeoutSeconds: Type.Integer(),
    maxWaiting: Type.Integer(),
  }),
});
