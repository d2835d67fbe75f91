// Test databases for this package's own tests. @concert/testing offers the same to every other
// package, but it depends on @concert/db, so using it here would make the workspace graph cyclic.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATABASE_SERVER_URL } from '@concert/config';
import * as mariadb from 'mariadb';
import { parseDatabaseUrl, quoteIdentifier, replaceDatabaseName } from '../src/database-url.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../src/migrate.ts';

/** A URL for `concert_test_db_<name>` on the test server; nothing is created yet. */
export function getTestDatabaseUrl(name: string): string {
  return replaceDatabaseName(
    process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_SERVER_URL,
    `concert_test_db_${name}`,
  );
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { config, database } = parseDatabaseUrl(databaseUrl);
  if (database === undefined) throw new Error('database URL names no database');
  const conn = await mariadb.createConnection(config);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
  } finally {
    await conn.end();
  }
}

export async function queryDatabase<T>(
  databaseUrl: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const { config, database } = parseDatabaseUrl(databaseUrl);
  const conn = await mariadb.createConnection({ ...config, ...(database === undefined ? {} : { database }) });
  try {
    return await conn.query<T[]>(sql, values);
  } finally {
    await conn.end();
  }
}

/** A private copy of the repository's migrations, which a test may edit freely. */
export async function copyMigrationsDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'concert-migrations-'));
  const dir = join(root, 'migrations');
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}
