export * from './redis.ts';
export * from './mysql.ts';
