// The local MySQL/MariaDB that every default points at: the booking API's DATABASE_URL, the migration
// and seed scripts, the Prisma CLI and the tests. This file imports nothing, so that prisma.config.ts
// (whose directory cannot resolve workspace packages) can import it by its path.

/** The local server, without a database: tests create their own databases on it (TEST_DATABASE_URL). */
export const DEFAULT_DATABASE_SERVER_URL = 'mysql://root@127.0.0.1:3306';

/** The platform's database on the local server (DATABASE_URL). */
export const DEFAULT_DATABASE_URL = `${DEFAULT_DATABASE_SERVER_URL}/concert`;
