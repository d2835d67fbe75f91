export {
  adminKey,
  type BookingClient,
  bearer,
  type ClientOptions,
  createBookingClient,
  createGatewayClient,
  type GatewayClient,
} from './clients.ts';
export { ApiError, type Problem, parseRetryAfterMs, unwrap } from './errors.ts';
export type { paths as BookingPaths } from './generated/booking.ts';
export type { paths as GatewayPaths } from './generated/gateway.ts';
export { type StatusSource, type WatchQueueOptions, watchQueue } from './queue-watch.ts';
export { createRetryingFetch, DEFAULT_RETRY, type RetryInfo, type RetryOptions } from './retry.ts';
export { sleep } from './sleep.ts';
export type * from './types.ts';
