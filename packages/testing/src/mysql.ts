import { DEFAULT_DATABASE_SERVER_URL } from '@concert/config';
import {
  type ApplyMigrationsResult,
  applyMigrations,
  createPrismaClient,
  type PrismaClient,
  parseDatabaseUrl,
  quoteIdentifier,
  replaceDatabaseName,
} from '@concert/db';
import * as mariadb from 'mariadb';

/** The server tests use, without a database: env TEST_DATABASE_URL, else the local MariaDB. */
export function getTestServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_SERVER_URL;
}

export interface TestDatabase {
  /** The database's name, `concert_test_<name>`. */
  name: string;
  /** A connection URL for the database, for code under test that takes one. */
  url: string;
  /** A client on the database (pool size 5 unless asked otherwise). */
  prisma: PrismaClient;
  /** What the migration applier did while creating it. */
  migrations: ApplyMigrationsResult;
  /** Disconnects `prisma` and drops the database. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  poolSize?: number;
  /** Migrations to apply instead of the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Create the database empty, without applying migrations. */
  skipMigrations?: boolean;
}

/**
 * A fresh, migrated database `concert_test_<name>` for one test file. A database left by an earlier
 * run is dropped first, so a crashed run never leaks state into the next. Give each test file its
 * own name: files run in parallel.
 */
export async function createTestDatabase(
  name: string,
  opts: CreateTestDatabaseOptions = {},
): Promise<TestDatabase> {
  const database = toTestDatabaseName(name);
  const url = replaceDatabaseName(getTestServerUrl(), database);
  await dropDatabase(url);
  let migrations: ApplyMigrationsResult = { applied: [], alreadyApplied: [] };
  if (opts.skipMigrations) {
    await runOnServer(
      url,
      `CREATE DATABASE ${quoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } else {
    migrations = await applyMigrations(
      url,
      opts.migrationsDir === undefined ? {} : { migrationsDir: opts.migrationsDir },
    );
  }
  const prisma = createPrismaClient(url, { poolSize: opts.poolSize ?? 5 });
  return {
    name: database,
    url,
    prisma,
    migrations,
    async drop() {
      await prisma.$disconnect();
      await dropDatabase(url);
    },
  };
}

/** Drops the database a URL names, if it exists. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database } = parseDatabaseUrl(databaseUrl);
  if (database === undefined) throw new Error('database URL names no database');
  await runOnServer(databaseUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
}

/**
 * Runs one statement on the database a URL names and returns its rows, for assertions that look
 * below Prisma (information_schema, raw constraint checks).
 */
export async function queryTestDatabase<T = unknown>(
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

function toTestDatabaseName(name: string): string {
  const suffix = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const database = `concert_test_${suffix}`;
  // MySQL's identifier limit.
  if (suffix.length === 0 || database.length > 64) {
    throw new Error(
      `test database name must be 1 to 51 characters of [a-z0-9_], got ${JSON.stringify(name)}`,
    );
  }
  return database;
}

async function runOnServer(databaseUrl: string, sql: string): Promise<void> {
  const { config } = parseDatabaseUrl(databaseUrl);
  const conn = await mariadb.createConnection(config);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
