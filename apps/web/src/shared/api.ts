import {
  ApiError,
  type BookingClient,
  createBookingClient,
  createGatewayClient,
  type GatewayClient,
  type RetryInfo,
} from '@concert/client';

/** The APIs under this page's origin (the web app's server proxies them). */
export const GATEWAY_BASE = '/gateway';
export const BOOKING_BASE = '/booking';

export interface Api {
  gateway: GatewayClient;
  booking: BookingClient;
  streamUrl: string;
}

/** Both typed clients; `onRetry` hears of each 429/503 the client waits out, so the page can say so. */
export function createApi(onRetry?: (info: RetryInfo) => void): Api {
  const origin = globalThis.location?.origin ?? '';
  const retry = onRetry ? { onRetry } : {};
  return {
    gateway: createGatewayClient({ baseUrl: `${origin}${GATEWAY_BASE}`, retry }),
    booking: createBookingClient({ baseUrl: `${origin}${BOOKING_BASE}`, retry }),
    streamUrl: `${origin}${GATEWAY_BASE}/v1/queue/stream`,
  };
}

/** The contract's code of a failure, or NETWORK when the request never got an answer. */
export function codeOf(error: unknown): string {
  if (error instanceof ApiError) return error.code;
  if (error instanceof DOMException && error.name === 'AbortError') return 'ABORTED';
  return 'NETWORK';
}

/**
 * A refusal in words a fan understands. `context` fills in what the code alone cannot say (which
 * seat). Codes the page handles by changing what it shows (TOKEN_NOT_ACTIVE) still get words, for
 * the notice that explains the change.
 */
export function describeError(error: unknown, context: { seat?: string } = {}): string {
  const code = codeOf(error);
  const seat = context.seat ? `seat ${context.seat}` : 'that seat';
  switch (code) {
    case 'SEAT_UNAVAILABLE':
      return `Sorry, ${seat} was just taken by someone else. Please pick another seat.`;
    case 'HOLD_LIMIT_REACHED':
      return 'You are holding as many seats as one fan may for this date. Pay for them, or wait for a hold to end, to pick another.';
    case 'SEAT_NOT_FOUND':
      return `Sorry, ${seat} is not on sale.`;
    case 'RESERVATION_NOT_PAYABLE':
      return 'A hold ran out before the payment went through, so its seat went back on sale. Nothing was charged.';
    case 'INSUFFICIENT_BALANCE':
      return 'Your balance is too low for this order. Top up to continue; nothing was charged.';
    case 'TOKEN_NOT_ACTIVE':
      return 'Your time to choose seats is over.';
    case 'TOKEN_INVALID':
      return 'Your place in line could not be confirmed. Please join the line again.';
    case 'QUEUE_NOT_FOUND':
      return 'Tickets for this concert are not on sale right now. This page checks again by itself.';
    case 'QUEUE_FULL':
      return 'The waiting room is full right now. This page tries again by itself.';
    case 'RATE_LIMITED':
      return 'Too many requests from this device. Please wait a moment and try again.';
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return 'The box office is very busy right now. Please try again in a moment.';
    case 'AUTH_INVALID':
      return 'Your sign-in has expired. Please sign in again.';
    case 'CONCERT_NOT_FOUND':
      return 'We could not find this concert.';
    case 'IDEMPOTENCY_KEY_REUSED':
      return 'That payment was already tried for a different order. Please try again.';
    case 'ADMIN_KEY_INVALID':
      return 'That admin key was not accepted.';
    case 'NETWORK':
      return 'We cannot reach the box office. Check your connection; this page keeps trying.';
    case 'VALIDATION_ERROR':
      return error instanceof ApiError && error.errors.length > 0
        ? `Please check: ${error.errors.map((e) => `${e.path || 'the request'} ${e.message}`).join('; ')}.`
        : 'Something in that request was not accepted.';
    default:
      return error instanceof ApiError ? error.detail : 'Something went wrong. Please try again.';
  }
}
