import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram } from 'prom-client';
import type { HoldReleaseObserver } from '../workers/hold-expiry.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The booking API's domain series; the expiry worker reports each release here. */
    bookingMetrics: BookingMetrics;
  }
}

export interface BookingMetrics {
  observeHoldRelease: HoldReleaseObserver;
}

/** The contract allows 2 s between a hold's expiresAt and its release; the sweep a minute. */
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 30, 60, 120];

/** A problem body's `code`, read without parsing the whole body. */
const PROBLEM_CODE = /"code":"([A-Z_]+)"/;

/**
 * The outcome of a response: `success` for a 2xx (`held`, `paid`), else the problem's stable `code`
 * in lower case (`seat_unavailable`, `insufficient_balance`, …), a bounded set of label values.
 */
function outcomeOf(reply: FastifyReply, payload: unknown, success: string): string {
  if (reply.statusCode < 300) return success;
  const code = typeof payload === 'string' ? PROBLEM_CODE.exec(payload)?.[1] : undefined;
  return code ? code.toLowerCase() : `status_${reply.statusCode}`;
}

/**
 * `booking_holds_total` and `booking_payments_total` by outcome, counted from the responses of
 * `POST /v1/reservations` and `POST /v1/payments` (one hook, so the routes stay as they are), and
 * `booking_hold_release_lateness_seconds`, observed where a hold is expired.
 */
async function bookingMetricsPlugin(app: FastifyInstance) {
  const registers = [app.metrics];
  const counted = new Map<string, { counter: Counter<'outcome'>; success: string }>([
    [
      'POST /v1/reservations',
      {
        counter: new Counter({
          name: 'booking_holds_total',
          help: 'Hold requests (POST /v1/reservations) by outcome: held, or the refusal’s code',
          labelNames: ['outcome'] as const,
          registers,
        }),
        success: 'held',
      },
    ],
    [
      'POST /v1/payments',
      {
        counter: new Counter({
          name: 'booking_payments_total',
          help: 'Payment requests (POST /v1/payments) by outcome: paid (a replay too), or the refusal’s code',
          labelNames: ['outcome'] as const,
          registers,
        }),
        success: 'paid',
      },
    ],
  ]);
  const lateness = new Histogram({
    name: 'booking_hold_release_lateness_seconds',
    help: 'Seconds from an unpaid hold’s expiresAt to its release (MySQL clock)',
    buckets: LATENESS_BUCKETS,
    registers,
  });

  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const url = request.routeOptions.url;
    const entry = url === undefined ? undefined : counted.get(`${request.method} ${url}`);
    if (entry) entry.counter.inc({ outcome: outcomeOf(reply, payload, entry.success) });
    done(null, payload);
  });

  app.decorate('bookingMetrics', {
    observeHoldRelease(released) {
      // A hold released a moment early (the job fired on Redis's clock) is 0 late, not negative.
      for (const r of released) lateness.observe(Math.max(0, r.latenessSeconds));
    },
  } satisfies BookingMetrics);
}

export default fp(bookingMetricsPlugin, {
  name: 'booking-metrics',
  dependencies: ['metrics'],
  fastify: '5.x',
});
