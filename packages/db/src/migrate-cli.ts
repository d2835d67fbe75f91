// Applies the committed migrations to DATABASE_URL: `pnpm --filter @concert/db migrate`.
import { DEFAULT_DATABASE_URL } from '@concert/config';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, MigrationError } from './migrate.ts';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

try {
  const result = await applyMigrations(databaseUrl, {
    migrationsDir: process.env.MIGRATIONS_DIR ?? DEFAULT_MIGRATIONS_DIR,
    log: (line) => console.log(line),
  });
  console.log(
    result.applied.length === 0
      ? `database is up to date (${result.alreadyApplied.length} migrations applied before)`
      : `applied ${result.applied.length} migration(s)`,
  );
} catch (error) {
  // One clear line, without a stack trace, for the errors a person must act on.
  console.error(error instanceof MigrationError ? `migrate: ${error.message}` : error);
  process.exitCode = 1;
}
