// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from schema.prisma).
//
// Imports no package: the `prisma` package is a dependency of packages/db, not of the workspace root,
// so `import { defineConfig } from 'prisma/config'` would not resolve from here. Prisma validates this
// plain object just as it validates defineConfig's result. The default URL comes by path from the one
// file that holds it, which imports nothing itself.
import { DEFAULT_DATABASE_URL } from './packages/config/src/database.ts';

//
// Paths are relative to this file. `pnpm --filter @concert/db generate` points the CLI here.
export default {
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
  },
  datasource: {
    // `prisma generate` needs no database, so a missing DATABASE_URL must not fail it; the default is
    // the one the booking API uses.
    url: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  },
};
