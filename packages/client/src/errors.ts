/** The contract's problem+json body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

/** A refusal of the API, with its stable `code` (`SEAT_UNAVAILABLE`, `QUEUE_FULL`, …). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: { path: string; message: string }[];
  /** Seconds from `Retry-After`, on a 429 or 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: Partial<Problem> | undefined, retryAfter: string | null = null) {
    const code = problem?.code ?? (status >= 500 ? 'UNAVAILABLE' : 'HTTP_ERROR');
    const detail = problem?.detail ?? `the server answered ${status}`;
    super(`${status} ${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = problem?.errors ?? [];
    const seconds = parseRetryAfterMs(retryAfter);
    this.retryAfterSeconds = seconds === null ? undefined : Math.ceil(seconds / 1000);
  }
}

/** Milliseconds a `Retry-After` value asks for (seconds or an HTTP date), or null without one. */
export function parseRetryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The data of an openapi-fetch result, or its refusal as an ApiError. Every call of the web app goes
 * through here, so that each refusal arrives as one error type with the contract's code.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const body = result.error;
  const problem = typeof body === 'object' && body !== null ? (body as Partial<Problem>) : undefined;
  throw new ApiError(result.response.status, problem, result.response.headers.get('retry-after'));
}
