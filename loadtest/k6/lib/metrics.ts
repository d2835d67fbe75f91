// Custom metrics shared by the scenarios. k6 registers a metric once per name, so they live in one module.
import { Counter, Rate, Trend } from 'k6/metrics';

/** Duration of each API call, tagged `name` (join, poll, hold, …): one series per endpoint. */
export const endpointDuration = new Trend('endpoint_duration', true);

/**
 * Every 5xx, tagged `name` and `status`. Each request also adds a 0, so that the metric always has
 * samples and its `count==0` threshold is evaluated even on a clean run (k6 skips metrics with none).
 */
export const serverErrors = new Counter('server_errors_5xx');

/**
 * One sample per API call: true when the outcome was not one the contract allows for that step
 * (a wrong status, an unexpected error `code`, a body that breaks the contract, a network error).
 * Unlike `http_req_failed`, it reads the problem+json `code`, so 409 SEAT_UNAVAILABLE is not an
 * error while 409 HOLD_LIMIT_REACHED is.
 */
export const errors = new Rate('errors');

/** 429 answers: the platform's per-IP rate limit is on (start it with RATE_LIMIT_MAX=0). */
export const rateLimited = new Counter('rate_limited');

/** 503 QUEUE_FULL answers to a join: the room's maxWaiting is too small for the test. */
export const queueFull = new Counter('queue_full');

/** Join to ACTIVE, in ms, for users that were admitted. */
export const queueWait = new Trend('queue_wait', true);

/** Polls a user made before being admitted. */
export const queuePolls = new Trend('queue_polls');

/**
 * Per join-and-poll: true when the user reached ACTIVE within MAX_POLLS and MAX_WAIT_SECONDS.
 * The spike scenario polls only a few times on purpose and so does not threshold it.
 */
export const admitted = new Rate('admitted');

/**
 * Tokens seen EXPIRED while their user was still polling. A client that follows `pollAfterMs` is never
 * expired as idle (API.md), so any count here is a gateway bug or a client that polled too late.
 */
export const queueExpired = new Counter('queue_expired');

/** 409 SEAT_UNAVAILABLE: another user won the seat. Expected under contention. */
export const seatConflicts = new Counter('seat_conflicts');

/** Charge or payment requests retried with the same Idempotency-Key after a timeout, 429 or 503. */
export const idempotentRetries = new Counter('idempotent_retries');

/** Booking iterations by outcome, tagged `outcome`. */
export const bookings = new Counter('bookings');

/**
 * Per booking iteration: true when it ended as an outcome the contract allows (a paid seat, sold out,
 * or every attempted seat taken by someone else), false when any step failed.
 */
export const bookingOk = new Rate('booking_ok');

/** A whole booking iteration (join to reading the paid reservation), in ms, for paid bookings. */
export const bookingDuration = new Trend('booking_duration', true);
