import createClient, { type Client } from 'openapi-fetch';
import type { paths as BookingPaths } from './generated/booking.ts';
import type { paths as GatewayPaths } from './generated/gateway.ts';
import { createRetryingFetch, type RetryOptions } from './retry.ts';

export type GatewayClient = Client<GatewayPaths>;
export type BookingClient = Client<BookingPaths>;

export interface ClientOptions {
  /** Where the service answers: `http://localhost:3000`, or `/gateway` behind the web app's proxy. */
  baseUrl: string;
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch;
  /** Retries of 429 and 503 after `Retry-After`; `false` turns them off. */
  retry?: RetryOptions | false;
  /**
   * The Request class the typed client builds each call with (the global one by default); given
   * together with a `fetch` that reads it, for a load generator that cannot afford the WHATWG one.
   */
  Request?: typeof Request;
}

function fetchFor(options: ClientOptions) {
  // Bound late, so that a test or a page that replaces the global fetch is honoured.
  const base: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return options.retry === false ? base : createRetryingFetch(base, options.retry);
}

/** Typed calls of the queue-gateway (paths, bodies and answers from its OpenAPI document). */
export function createGatewayClient(options: ClientOptions): GatewayClient {
  return createClient<GatewayPaths>({
    baseUrl: options.baseUrl,
    fetch: fetchFor(options),
    ...(options.Request ? { Request: options.Request } : {}),
  });
}

/** Typed calls of the booking API (paths, bodies and answers from its OpenAPI document). */
export function createBookingClient(options: ClientOptions): BookingClient {
  return createClient<BookingPaths>({
    baseUrl: options.baseUrl,
    fetch: fetchFor(options),
    ...(options.Request ? { Request: options.Request } : {}),
  });
}

/** The `Authorization` header of a user or queue token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The `X-Admin-Key` header of the admin endpoints. */
export const adminKey = (key: string) => ({ 'x-admin-key': key });
