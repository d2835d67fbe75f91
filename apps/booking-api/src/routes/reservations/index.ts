import type { BookingConfig } from '@concert/config';
import { AppError, problemResponses, toId } from '@concert/http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { assertTokenConcert } from '../../plugins/token-gate.ts';
import { HoldBody, HoldResponse, Reservation, ReservationParams } from '../../schemas/reservations.ts';
import { createHold, findHoldTarget, findReservation } from '../../services/holds.ts';

const seatNotFound = (scheduleId: number, seatId: number) =>
  new AppError('SEAT_NOT_FOUND', 404, `no seat ${seatId} in schedule ${scheduleId}`);

const reservationRoutes: FastifyPluginAsyncTypebox<{ config: BookingConfig }> = async (app, opts) => {
  const { config } = opts;

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
      const { scheduleId, seatId } = request.body;
      const { userId } = request.claims!;
      const target = await findHoldTarget(app.prisma, scheduleId, seatId);
      if (!target) throw seatNotFound(scheduleId, seatId);
      assertTokenConcert(request.claims!, target.concertId);
      if (target.seatId === null) throw seatNotFound(scheduleId, seatId);

      const hold = await app.seatLocks.withSeatLock(
        seatId,
        () =>
          createHold(app.prisma, {
            userId,
            scheduleId,
            seatId,
            ttlSeconds: config.HOLD_TTL_SECONDS,
            maxHoldsPerUser: config.MAX_HOLDS_PER_USER,
            txMaxWaitMs: app.txMaxWaitMs,
          }),
        // A won seat stays held for HOLD_TTL_SECONDS; a shorter lease may as well keep refusing it.
        { keepOnSuccess: config.SEAT_LOCK_TTL_MS <= config.HOLD_TTL_SECONDS * 1000 },
      );
      try {
        await app.holdExpiry.schedule(hold.reservationId, hold.msUntilExpiry);
      } catch (err) {
        // The hold is committed; without its job the sweep expires it within HOLD_SWEEP_INTERVAL_MS.
        request.log.warn({ err, reservationId: hold.reservationId }, 'could not enqueue the hold expiry job');
      }
      reply.status(201);
      return {
        reservationId: hold.reservationId,
        scheduleId: hold.scheduleId,
        seatId: hold.seatId,
        price: hold.price,
        status: hold.status,
        expiresAt: hold.expiresAt.toISOString(),
      };
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
      const claims = request.claims!;
      const r = await findReservation(app.prisma, reservationId);
      if (!r || r.userId !== claims.userId) {
        throw new AppError('RESERVATION_NOT_FOUND', 404, `no reservation ${reservationId} of yours`);
      }
      assertTokenConcert(claims, r.concertId);
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
