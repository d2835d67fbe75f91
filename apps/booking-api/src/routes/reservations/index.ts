import type { BookingConfig } from '@concert/config';
import { problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HoldBody, HoldResponse, Reservation, ReservationParams } from '../../schemas/reservations.ts';
import { type HoldContext, holdSeat, readOwnReservation } from '../../services/holds.ts';

const reservationRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  const { config } = opts;
  const holdContext: HoldContext = {
    sql: app.sql,
    catalog: app.catalog,
    seatLocks: app.seatLocks,
    holdExpiry: app.holdExpiry,
    seatChanges: app.seatChanges,
    ttlSeconds: config.HOLD_TTL_SECONDS,
    maxHoldsPerUser: config.MAX_HOLDS_PER_USER,
    // A won seat stays held for HOLD_TTL_SECONDS; a shorter lease may as well keep refusing it.
    keepLockOnSuccess: config.SEAT_LOCK_TTL_MS <= config.HOLD_TTL_SECONDS * 1000,
    warn: (obj, msg) => app.log.warn(obj, msg),
  };

  app.post(
    '/v1/reservations',
    {
      preHandler: app.requireActiveToken,
      schema: {
        body: HoldBody,
        response: { 201: HoldResponse, ...problemResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const hold = await holdSeat(holdContext, request.claims!, request.body);
      reply.status(201);
      return { ...hold, expiresAt: hold.expiresAt.toISOString() };
    },
  );

  app.get(
    '/v1/reservations/:reservationId',
    {
      // A token spent on a payment may still read what it paid for.
      preHandler: app.requireActiveOrPaidToken,
      schema: {
        params: ReservationParams,
        response: { 200: Reservation, ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const reservationId = toId(request.params.reservationId);
      const r = await readOwnReservation(app.prisma, request.claims!, reservationId);
      return {
        reservationId: r.reservationId,
        scheduleId: r.scheduleId,
        seatId: r.seatId,
        price: r.price,
        status: r.status,
        expiresAt: r.expiresAt.toISOString(),
        ...(r.confirmedAt ? { confirmedAt: r.confirmedAt.toISOString() } : {}),
      };
    },
  );
};

export default reservationRoutes;
