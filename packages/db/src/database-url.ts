// Every connection this package opens (the Prisma adapter's pool and the migration applier's own
// connections) starts in UTC, so CURRENT_TIMESTAMP(3) defaults and NOW(3) in raw SQL agree with the
// UTC values that Prisma writes. The server's own time zone is SYSTEM, which need not be UTC.
export const UTC_SESSION_SQL = "SET time_zone = '+00:00'";

// A plain shape rather than the driver's ConnectionConfig: this package's `mariadb` and the one the
// Prisma adapter bundles are different versions whose config types do not assign to each other.
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Other driver options, from the URL's query string. */
  [option: string]: string | number | boolean;
}

export interface ParsedDatabaseUrl {
  /** Settings for the `mariadb` driver, without the database. */
  config: ConnectionSettings;
  /** The database named in the URL's path, if any. */
  database: string | undefined;
}

/**
 * Parses `mysql://user:password@host:port/database?option=value` (or `mariadb://`) into settings
 * for the `mariadb` driver. Query options pass through to the driver, for example
 * `?allowPublicKeyRetrieval=true` for MySQL 8's caching_sha2_password over a non-TLS connection.
 */
export function parseDatabaseUrl(databaseUrl: string): ParsedDatabaseUrl {
  const url = parseUrl(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  const options: Record<string, string | number | boolean> = {};
  for (const [key, value] of url.searchParams) {
    options[key] = coerceOption(value);
  }
  const config: ConnectionSettings = {
    ...options,
    // URL keeps an IPv6 host in brackets; the driver wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: url.username ? decodeURIComponent(url.username) : 'root',
    password: url.password ? decodeURIComponent(url.password) : '',
  };
  return { config, database };
}

/** The same URL naming another database (query options are kept). */
export function replaceDatabaseName(databaseUrl: string, database: string): string {
  const url = parseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Backtick-quotes an identifier such as a database name for use in SQL text. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function parseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('database URL is not a valid URL; expected mysql://user:password@host:port/database');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new Error(`database URL must start with mysql:// or mariadb://, not ${url.protocol}//`);
  }
  return url;
}

function coerceOption(value: string): string | number | boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}
