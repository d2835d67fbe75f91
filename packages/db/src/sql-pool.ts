import mariadb, { type Pool } from 'mariadb';
import { parseDatabaseUrl, UTC_SESSION_SQL } from './database-url.ts';

export type { Pool as SqlPool, PoolConnection as SqlConnection, SqlError } from 'mariadb';

export interface CreateSqlPoolOptions {
  /** Largest number of connections the pool opens. */
  poolSize: number;
  /** How long a caller waits for a free connection before the driver gives up. */
  acquireTimeoutMs: number;
}

/**
 * A raw `mariadb` pool for the booking API's two hot batches (see apps/booking-api/src/db/hot-sql.ts),
 * beside Prisma's own pool for everything else. It is the driver the Prisma adapter wraps, so the
 * server sees the same kind of client:
 *
 * - `multipleStatements`: a hold or a payment is sent as one batch, one round trip;
 * - READ COMMITTED for every session: no gap locks, so holds on neighbouring seats never block;
 * - `noControlAfterUse`: the callers always end their transaction themselves. Without it the driver
 *   reads a stale "in transaction" flag after a batch that ends in COMMIT and sends a ROLLBACK on
 *   release (seen on about a quarter of the batches with mariadb 3.5);
 * - `prepareCacheLength` is unused here (batches go as text), and `minimumIdle: 0` opens connections
 *   only as the load needs them.
 */
export function createSqlPool(databaseUrl: string, opts: CreateSqlPoolOptions): Pool {
  const { config, database } = parseDatabaseUrl(databaseUrl);
  if (database === undefined) {
    throw new Error('database URL names no database; expected mysql://user@host:port/database');
  }
  return mariadb.createPool({
    ...config,
    database,
    connectionLimit: opts.poolSize,
    minimumIdle: 0,
    acquireTimeout: opts.acquireTimeoutMs,
    multipleStatements: true,
    noControlAfterUse: true,
    bigIntAsNumber: false,
    insertIdAsNumber: true,
    initSql: [UTC_SESSION_SQL, 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'],
  });
}
