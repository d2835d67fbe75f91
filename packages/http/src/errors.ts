/** The one error class of domain code: a stable `code`, its HTTP status, and a detail for the client. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    readonly detail: string,
    /** Seconds for `Retry-After` on a 429 or 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}

export interface FieldError {
  /** JSON pointer into the request part, e.g. `/reservationIds/0`; empty for the whole body. */
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(
    detail: string,
    readonly errors: FieldError[],
  ) {
    super('VALIDATION_ERROR', 400, detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
