import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  computeMigrationChecksum,
  DEFAULT_MIGRATIONS_DIR,
  isChecksumMatch,
  listMigrationFiles,
  MigrationError,
} from '../src/migrate.ts';
import { copyMigrationsDir, dropDatabase, getTestDatabaseUrl, queryDatabase } from './helpers.ts';

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  started_at: Date;
  logs: string | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

const urls: string[] = [];
const tempDirs: Array<{ remove(): Promise<void> }> = [];

function useDatabase(name: string): string {
  const url = getTestDatabaseUrl(`migrate_${name}`);
  urls.push(url);
  return url;
}

async function readMigrationRows(url: string): Promise<MigrationRow[]> {
  return queryDatabase<MigrationRow>(
    url,
    'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => dir.remove()));
});

afterAll(async () => {
  await Promise.all(urls.map((url) => dropDatabase(url)));
});

describe('computeMigrationChecksum', () => {
  it('renders SHA-256 as zero-padded lowercase hex, like the schema engine', () => {
    // The schema engine's own test vector (checksum.rs, format_checksum_does_not_strip_zeros).
    expect(computeMigrationChecksum('hello')).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });

  it('matches a script whose line endings changed, and the unpadded checksums of old engines', () => {
    const unix = 'CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n';
    const windows = unix.replaceAll('\n', '\r\n');
    expect(isChecksumMatch(windows, computeMigrationChecksum(unix))).toBe(true);
    expect(isChecksumMatch(unix, computeMigrationChecksum(windows))).toBe(true);
    expect(isChecksumMatch(`${unix}-- edited\n`, computeMigrationChecksum(unix))).toBe(false);

    // sha256("abcd") has bytes below 0x10, which old engines wrote as one hex digit.
    const padded = computeMigrationChecksum('abcd');
    const unpadded = Array.from(Buffer.from(padded, 'hex'), (byte) => byte.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64);
    expect(isChecksumMatch('abcd', unpadded)).toBe(true);
    expect(isChecksumMatch('abce', unpadded)).toBe(false);
  });
});

describe('applyMigrations', () => {
  it('creates a missing database, applies every migration and records it as Prisma does', async () => {
    const url = useDatabase('empty');
    await dropDatabase(url);
    const files = await listMigrationFiles();
    expect(files.length).toBeGreaterThan(0);

    const result = await applyMigrations(url);

    expect(result).toEqual({ applied: files.map((file) => file.name), alreadyApplied: [] });
    const rows = await readMigrationRows(url);
    expect(rows.map((row) => row.migration_name)).toEqual(files.map((file) => file.name));
    for (const [index, row] of rows.entries()) {
      const file = files[index];
      if (!file) throw new Error('row without a file');
      expect(row.checksum).toBe(
        computeMigrationChecksum(await readFile(join(DEFAULT_MIGRATIONS_DIR, file.name, 'migration.sql'))),
      );
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
    const tables = await queryDatabase<{ TABLE_NAME: string }>(
      url,
      'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    expect(tables.map((table) => table.TABLE_NAME)).toContain('Reservation');
  });

  it("creates _prisma_migrations with exactly the columns of Prisma's own table", async () => {
    const url = useDatabase('table');
    await dropDatabase(url);
    await applyMigrations(url);

    const columns = await queryDatabase<Record<string, unknown>>(
      url,
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '_prisma_migrations'
        ORDER BY ORDINAL_POSITION`,
    );
    const normalized = columns.map((column) => ({
      name: column.name,
      // MariaDB writes int(10) unsigned where MySQL 8 writes int unsigned.
      type: String(column.type).replace(/^int\(\d+\)/, 'int'),
      nullable: column.nullable === 'YES',
      default: column.dflt === null || column.dflt === 'NULL' ? null : String(column.dflt).toLowerCase(),
    }));
    expect(normalized).toEqual([
      { name: 'id', type: 'varchar(36)', nullable: false, default: null },
      { name: 'checksum', type: 'varchar(64)', nullable: false, default: null },
      { name: 'finished_at', type: 'datetime(3)', nullable: true, default: null },
      { name: 'migration_name', type: 'varchar(255)', nullable: false, default: null },
      { name: 'logs', type: 'text', nullable: true, default: null },
      { name: 'rolled_back_at', type: 'datetime(3)', nullable: true, default: null },
      { name: 'started_at', type: 'datetime(3)', nullable: false, default: 'current_timestamp(3)' },
      { name: 'applied_steps_count', type: 'int unsigned', nullable: false, default: '0' },
    ]);
  });

  it('is a no-op on an up-to-date database', async () => {
    const url = useDatabase('noop');
    await dropDatabase(url);
    await applyMigrations(url);
    const before = await readMigrationRows(url);

    const result = await applyMigrations(url);

    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toEqual(before.map((row) => row.migration_name));
    expect(await readMigrationRows(url)).toEqual(before);
  });

  it('lets concurrent runs apply each migration once', async () => {
    const url = useDatabase('concurrent');
    await dropDatabase(url);

    const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);

    const files = await listMigrationFiles();
    expect(results.flatMap((result) => result.applied).sort()).toEqual(files.map((file) => file.name).sort());
    expect(await readMigrationRows(url)).toHaveLength(files.length);
  });

  it('applies only the pending migrations, in name order', async () => {
    const url = useDatabase('pending');
    await dropDatabase(url);
    const copy = await copyMigrationsDir();
    tempDirs.push(copy);
    await applyMigrations(url, { migrationsDir: copy.dir });

    // Written out of order on purpose: names, not creation times, decide the order.
    await addMigration(
      copy.dir,
      '29990102000000_second',
      'ALTER TABLE `Concert` ADD COLUMN `second_col` INT NULL;\n',
    );
    await addMigration(
      copy.dir,
      '29990101000000_first',
      'ALTER TABLE `Concert` ADD COLUMN `first_col` INT NULL;\n',
    );

    const result = await applyMigrations(url, { migrationsDir: copy.dir });

    expect(result.applied).toEqual(['29990101000000_first', '29990102000000_second']);
    const columns = await queryDatabase<{ COLUMN_NAME: string }>(
      url,
      `SELECT COLUMN_NAME FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Concert' ORDER BY ORDINAL_POSITION`,
    );
    expect(columns.map((column) => column.COLUMN_NAME)).toEqual([
      'concert_id',
      'concert_name',
      'first_col',
      'second_col',
    ]);
  });

  it('refuses a migration file edited after it was applied, and changes nothing', async () => {
    const url = useDatabase('edited');
    await dropDatabase(url);
    const copy = await copyMigrationsDir();
    tempDirs.push(copy);
    const [first] = await listMigrationFiles(copy.dir);
    if (!first) throw new Error('no migrations');
    await applyMigrations(url, { migrationsDir: copy.dir });
    const before = await readMigrationRows(url);

    await appendFile(join(copy.dir, first.name, 'migration.sql'), '\n-- an innocent-looking edit\n');
    await addMigration(
      copy.dir,
      '29990101000000_pending',
      'ALTER TABLE `Concert` ADD COLUMN `never` INT NULL;\n',
    );

    const error = await applyMigrations(url, { migrationsDir: copy.dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH', migrationName: first.name });
    expect((error as Error).message).toContain('was modified after it was applied');
    expect(await readMigrationRows(url)).toEqual(before);
  });

  it('accepts an applied file whose line endings alone changed', async () => {
    const url = useDatabase('crlf');
    await dropDatabase(url);
    const copy = await copyMigrationsDir();
    tempDirs.push(copy);
    await applyMigrations(url, { migrationsDir: copy.dir });

    for (const file of await listMigrationFiles(copy.dir)) {
      const path = join(copy.dir, file.name, 'migration.sql');
      await writeFile(path, file.script.toString('utf8').replaceAll('\n', '\r\n'));
    }

    await expect(applyMigrations(url, { migrationsDir: copy.dir })).resolves.toMatchObject({ applied: [] });
  });

  it('records a failing migration and refuses to go on until it is resolved', async () => {
    const url = useDatabase('failed');
    await dropDatabase(url);
    const copy = await copyMigrationsDir();
    tempDirs.push(copy);
    await addMigration(copy.dir, '29990101000000_broken', 'ALTER TABLE `NoSuchTable` ADD COLUMN `x` INT;\n');

    const first = await applyMigrations(url, { migrationsDir: copy.dir }).catch((caught: unknown) => caught);
    expect(first).toMatchObject({ code: 'MIGRATION_FAILED_NOW', migrationName: '29990101000000_broken' });

    const rows = await readMigrationRows(url);
    const broken = rows.find((row) => row.migration_name === '29990101000000_broken');
    expect(broken?.finished_at).toBeNull();
    expect(broken?.logs).toContain('NoSuchTable');

    // Even once the file is fixed, the failed row blocks every later run, as in Prisma.
    await writeFile(join(copy.dir, '29990101000000_broken', 'migration.sql'), 'SELECT 1;\n');
    const second = await applyMigrations(url, { migrationsDir: copy.dir }).catch((caught: unknown) => caught);
    expect(second).toBeInstanceOf(MigrationError);
    expect(second).toMatchObject({ code: 'FAILED_MIGRATION', migrationName: '29990101000000_broken' });
    expect((second as Error).message).toContain('prisma migrate resolve');

    // `prisma migrate resolve --rolled-back` marks the row; the migration then runs again.
    await queryDatabase(
      url,
      'UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = ?',
      ['29990101000000_broken'],
    );
    await expect(applyMigrations(url, { migrationsDir: copy.dir })).resolves.toMatchObject({
      applied: ['29990101000000_broken'],
    });
  });

  it('refuses a database that has a migration this directory lacks', async () => {
    const url = useDatabase('missing');
    await dropDatabase(url);
    const copy = await copyMigrationsDir();
    tempDirs.push(copy);
    await addMigration(copy.dir, '29990101000000_newer', 'SELECT 1;\n');
    await applyMigrations(url, { migrationsDir: copy.dir });

    const error = await applyMigrations(url).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'MIGRATION_MISSING_LOCALLY', migrationName: '29990101000000_newer' });
  });
});

async function addMigration(migrationsDir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(migrationsDir, name));
  await writeFile(join(migrationsDir, name, 'migration.sql'), sql);
}
