import { Id } from '@concert/http';
import { type Static, Type } from '@sinclair/typebox';

/** The user comes from the user token; a body naming one is a VALIDATION_ERROR (unknown field). */
export const JoinBody = Type.Object({ concertId: Id }, { additionalProperties: false });
export type JoinBody = Static<typeof JoinBody>;

const Waiting = Type.Object({
  status: Type.Literal('WAITING'),
  position: Type.Integer({ minimum: 1 }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
  pollAfterMs: Type.Integer({ minimum: 0 }),
  // Always sent by this gateway; optional in the schema so that a client also reads an older one.
  soldOut: Type.Optional(Type.Boolean({ description: 'true while no seat of any date is AVAILABLE' })),
});
const Active = Type.Object({ status: Type.Literal('ACTIVE'), expiresAt: Type.String() });
const Expired = Type.Object({ status: Type.Literal('EXPIRED') });

/** fast-json-stringify picks the first branch that matches, so each branch names its literal status. */
export const QueueStatus = Type.Union([Waiting, Active, Expired]);

export const JoinResponse = Type.Intersect([
  Type.Object({ token: Type.String(), concertId: Type.Integer(), userId: Type.Integer() }),
  Type.Object({
    status: Type.Union([Type.Literal('WAITING'), Type.Literal('ACTIVE')]),
    position: Type.Optional(Type.Integer()),
    estimatedWaitSeconds: Type.Optional(Type.Integer()),
    pollAfterMs: Type.Optional(Type.Integer()),
    expiresAt: Type.Optional(Type.String()),
    soldOut: Type.Optional(Type.Boolean()),
  }),
]);

/** `GET /v1/queue/stream`: Server-Sent Events, `event: status` with a QueueStatus in `data`. */
export const EventStream = {
  description: 'Server-Sent Events: `event: status` with a QueueStatus as JSON in `data`; `: ping` comments',
  content: { 'text/event-stream': { schema: Type.String() } },
};
