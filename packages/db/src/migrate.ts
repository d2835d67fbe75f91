import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mariadb from 'mariadb';
import { parseDatabaseUrl, quoteIdentifier, UTC_SESSION_SQL } from './database-url.ts';

// Prisma's schema engine cannot be downloaded on the dev/CI machines, so `prisma migrate deploy` does
// not run there. This applier runs the same committed files and keeps the same `_prisma_migrations`
// bookkeeping, so `prisma migrate deploy` and `migrate status` agree with it wherever the engine exists.

/** prisma/migrations at the root of the repository. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

export interface ApplyMigrationsOptions {
  /** Directory of `<timestamp>_<name>/migration.sql` folders. Default: the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Called with one line per migration applied. */
  log?: (line: string) => void;
}

export interface ApplyMigrationsResult {
  /** Migrations this call applied, in the order it applied them. */
  applied: string[];
  /** Migrations that were already applied before this call. */
  alreadyApplied: string[];
}

export type MigrationErrorCode =
  | 'CHECKSUM_MISMATCH'
  | 'FAILED_MIGRATION'
  | 'MIGRATION_MISSING_LOCALLY'
  | 'MIGRATION_FAILED_NOW'
  | 'PROVIDER_MISMATCH';

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migrationName?: string,
  ) {
    super(message);
  }
}

export interface MigrationFile {
  name: string;
  script: Buffer;
}

// Exactly the table `prisma migrate deploy` creates on MySQL (schema engine, mysql flavour).
const CREATE_MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

// Several processes may migrate one database at once (instances starting together). A named lock
// makes the second wait and then find nothing to do, instead of running the same DDL twice.
const LOCK_TIMEOUT_SECONDS = 60;

const ER_EMPTY_QUERY = 1065;

/**
 * Prisma's checksum of a migration script: the SHA-256 of its bytes as 64 lowercase hex digits
 * (schema-engine `checksum::render_checksum`).
 */
export function computeMigrationChecksum(script: Buffer | string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether a script still matches the checksum recorded when it was applied, as Prisma decides it:
 * a change of line endings alone (git on Windows) still matches, and so does the unpadded hex that
 * old schema engines wrote (prisma-engines#1887).
 */
export function isChecksumMatch(script: Buffer | string, recorded: string): boolean {
  const text = typeof script === 'string' ? script : script.toString('utf8');
  const variants = [text, text.replaceAll('\r\n', '\n'), text.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered = recorded.length === 64 ? digest.toString('hex') : formatUnpaddedHex(digest);
    return rendered === recorded;
  });
}

/** The migrations in a directory, in the order Prisma applies them (by folder name). */
export async function listMigrationFiles(
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const path = join(migrationsDir, name, 'migration.sql');
    if (!(await isFile(path))) continue;
    files.push({ name, script: await readFile(path) });
  }
  return files;
}

/**
 * Brings a database up to date with the committed migrations, the way `prisma migrate deploy` does:
 * creates the database if it is missing, applies pending migrations in name order and records each
 * in `_prisma_migrations`. Does nothing on an up-to-date database.
 *
 * Refuses, with a MigrationError and before changing anything, when an applied migration's file has
 * changed since, when an applied migration's folder is gone, or when an earlier migration failed.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const log = options.log ?? (() => {});
  const { config, database } = parseDatabaseUrl(databaseUrl);
  if (database === undefined) {
    throw new Error('database URL names no database; expected mysql://user@host:port/database');
  }

  await assertMysqlProvider(migrationsDir);
  const files = await listMigrationFiles(migrationsDir);
  await createDatabaseIfMissing(config, database);

  const conn = await mariadb.createConnection({
    ...config,
    database,
    multipleStatements: true,
    initSql: UTC_SESSION_SQL,
  });
  const lockName = `prisma_migrate:${database}`.slice(0, 64);
  try {
    const [lock] = await conn.query<{ acquired: number | bigint | null }[]>(
      'SELECT GET_LOCK(?, ?) AS acquired',
      [lockName, LOCK_TIMEOUT_SECONDS],
    );
    if (Number(lock?.acquired) !== 1) {
      throw new Error(
        `timed out after ${LOCK_TIMEOUT_SECONDS}s waiting for another migration of ${database}`,
      );
    }
    try {
      await conn.query(CREATE_MIGRATIONS_TABLE_SQL);
      const applied = await readAppliedMigrations(conn);
      assertAppliedMatchFiles(applied, files);

      const appliedNames = new Set(applied.map((row) => row.migration_name));
      const pending = files.filter((file) => !appliedNames.has(file.name));
      for (const file of pending) {
        await applyOne(conn, file);
        log(`applied migration ${file.name}`);
      }
      return {
        applied: pending.map((file) => file.name),
        alreadyApplied: files.filter((file) => appliedNames.has(file.name)).map((file) => file.name),
      };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await conn.end();
  }
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  logs: string | null;
}

async function readAppliedMigrations(conn: mariadb.Connection): Promise<MigrationRow[]> {
  // A rolled-back row (`prisma migrate resolve --rolled-back`) no longer counts as applied: Prisma
  // applies that migration again, and so do we.
  return conn.query<MigrationRow[]>(
    `SELECT id, checksum, migration_name, finished_at, logs
       FROM _prisma_migrations
      WHERE rolled_back_at IS NULL
      ORDER BY started_at, migration_name`,
  );
}

function assertAppliedMatchFiles(applied: MigrationRow[], files: MigrationFile[]): void {
  const failed = applied.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationError(
      'FAILED_MIGRATION',
      `migration ${failed.migration_name} started but never finished (it failed, or its run was killed), ` +
        'so no further migration is applied. Repair the database by hand, then mark it with ' +
        `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied), or delete its ` +
        `row from _prisma_migrations. Logged error: ${failed.logs ?? '(none)'}`,
      failed.migration_name,
    );
  }
  const filesByName = new Map(files.map((file) => [file.name, file]));
  for (const row of applied) {
    const file = filesByName.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        'MIGRATION_MISSING_LOCALLY',
        `migration ${row.migration_name} is applied to the database but missing from the migrations ` +
          'directory; this code is older than the database, or the folder was renamed or deleted',
        row.migration_name,
      );
    }
    if (!isChecksumMatch(file.script, row.checksum)) {
      throw new MigrationError(
        'CHECKSUM_MISMATCH',
        `migration ${row.migration_name} was modified after it was applied (recorded checksum ` +
          `${row.checksum}, file now ${computeMigrationChecksum(file.script)}). Restore the file and put the ` +
          'change in a new migration instead.',
        row.migration_name,
      );
    }
  }
}

async function applyOne(conn: mariadb.Connection, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await conn.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES (?, ?, ?, NOW(3))',
    [id, computeMigrationChecksum(file.script), file.name],
  );
  try {
    await conn.query(file.script.toString('utf8'));
  } catch (error) {
    // A comment-only script is a valid (empty) migration.
    if ((error as mariadb.SqlError).errno !== ER_EMPTY_QUERY) {
      const message = error instanceof Error ? error.message : String(error);
      // MySQL cannot roll back DDL, so the statements before the failing one stay applied. The row
      // keeps finished_at NULL, which stops every later run until someone repairs it, as Prisma does.
      await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [message, id]);
      throw new MigrationError(
        'MIGRATION_FAILED_NOW',
        `migration ${file.name} failed: ${message}`,
        file.name,
      );
    }
  }
  await conn.query(
    'UPDATE _prisma_migrations SET finished_at = NOW(3), applied_steps_count = applied_steps_count + 1 WHERE id = ?',
    [id],
  );
}

async function createDatabaseIfMissing(config: mariadb.ConnectionConfig, database: string): Promise<void> {
  const conn = await mariadb.createConnection(config);
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await conn.end();
  }
}

async function assertMysqlProvider(migrationsDir: string): Promise<void> {
  let lockFile: string;
  try {
    lockFile = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8');
  } catch {
    return;
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lockFile)?.[1];
  if (provider !== undefined && provider !== 'mysql') {
    throw new MigrationError(
      'PROVIDER_MISMATCH',
      `migrations in ${migrationsDir} were written for ${provider}, not mysql (migration_lock.toml)`,
    );
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function formatUnpaddedHex(digest: Buffer): string {
  return Array.from(digest, (byte) => byte.toString(16)).join('');
}
