import { Prisma } from '@concert/db';
import { GateTimeoutError } from './hot-sql.ts';

/** What the MariaDB driver adapter reports below Prisma's error (kind, MySQL errno, index name). */
interface DriverCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  constraint?: { index?: string };
  cause?: string;
}

function driverCause(error: unknown): DriverCause | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const meta = error.meta as { driverAdapterError?: { cause?: DriverCause } } | undefined;
  return meta?.driverAdapterError?.cause;
}

/** A duplicate key on the named unique index (MySQL 1062). */
export function isUniqueViolation(error: unknown, index: string): boolean {
  const cause = driverCause(error);
  if (cause?.kind === 'UniqueConstraintViolation') return cause.constraint?.index === index;
  // Prisma's model API reports the same error as P2002 with the index in meta.
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    return JSON.stringify(error.meta ?? {}).includes(index);
  }
  return false;
}

/** A deadlock or lock wait timeout: the transaction was rolled back (or should be) and may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034') return true;
  const cause = driverCause(error);
  return (
    cause?.kind === 'TransactionWriteConflict' ||
    cause?.originalCode === '1213' ||
    cause?.originalCode === '1205'
  );
}

/** Prisma error codes that mean the database cannot be reached or is overloaded, not that a query was wrong. */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);

const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|pool timeout|Connection lost|socket has unexpectedly been closed|Too many connections|connection closed|cannot connect/i;

/**
 * Whether an error means MySQL is down or saturated: such a request answers 503 UNAVAILABLE with
 * Retry-After, never a 500. Driver errors 45000-45099 are the MariaDB connector's own client-side
 * errors (pool timeout, socket closed, connect timeout).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isRawDriverUnavailable(error)) return true;
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientRustPanicError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_CODES.has(error.code)) return true;
  const cause = driverCause(error);
  if (cause) {
    const errno = Number(cause.originalCode);
    if (errno >= 45000 && errno < 45100) return true;
    if (cause.kind === 'TooManyConnections') return true;
    return UNAVAILABLE_MESSAGE.test(`${cause.originalMessage ?? ''} ${cause.cause ?? ''}`);
  }
  if (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError
  ) {
    return UNAVAILABLE_MESSAGE.test(error.message);
  }
  return false;
}

/** MySQL's "Too many connections". */
const ER_CON_COUNT_ERROR = 1040;

/**
 * The same judgement for the raw `mariadb` driver of the hot batches (db/hot-sql.ts): its client-side
 * errors (45000-45099: pool timeout, socket closed, connect timeout), a refused or reset socket, too
 * many connections, and the FIFO gate's own timeout.
 */
function isRawDriverUnavailable(error: unknown): boolean {
  if (error instanceof GateTimeoutError) return true;
  const e = error as { errno?: unknown; code?: unknown; sqlState?: unknown } | null;
  if (typeof e?.errno !== 'number' && typeof e?.code !== 'string') return false;
  if (typeof e?.errno === 'number') {
    if (e.errno >= 45000 && e.errno < 45100) return true;
    if (e.errno === ER_CON_COUNT_ERROR) return true;
  }
  return (
    typeof e?.code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ER_GET_CONNECTION_TIMEOUT|ER_CONNECTION_TIMEOUT|ER_SOCKET_UNEXPECTED_CLOSE|ER_CLOSING_POOL)$/.test(
      e.code,
    )
  );
}
