import { parseRetryAfterMs } from './errors.ts';
import { sleep } from './sleep.ts';

export interface RetryInfo {
  url: string;
  method: string;
  status: number;
  attempt: number;
  delayMs: number;
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** A `Retry-After` longer than this is not waited for: the 429 or 503 is returned as it is. */
  maxDelayMs?: number;
  /** Told before each wait, so that a page can say why nothing happens yet. */
  onRetry?: (info: RetryInfo) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'onRetry'>> = { maxAttempts: 4, maxDelayMs: 60_000 };

/**
 * A fetch that retries a 429 or 503 once its `Retry-After` has passed, as the contract asks of
 * clients. Only those two, and only with the header: the server says it did nothing and when to come
 * back. A request's abort signal cancels the wait.
 */
export function createRetryingFetch(
  baseFetch: typeof fetch,
  options: RetryOptions = {},
): (input: Request, init?: RequestInit) => Promise<Response> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  return async (input, init) => {
    for (let attempt = 1; ; attempt++) {
      // The original stays unread, so that each attempt sends the same body.
      const response = await baseFetch(input.clone(), init);
      if (attempt >= maxAttempts || (response.status !== 429 && response.status !== 503)) return response;
      const delayMs = parseRetryAfterMs(response.headers.get('retry-after'));
      if (delayMs === null || delayMs > maxDelayMs) return response;
      await response.body?.cancel();
      options.onRetry?.({ url: input.url, method: input.method, status: response.status, attempt, delayMs });
      await sleep(delayMs, input.signal);
    }
  };
}
