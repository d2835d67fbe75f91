export * from './client.ts';
export * from './database-url.ts';
export * from './migrate.ts';
export * from './sql-pool.ts';
