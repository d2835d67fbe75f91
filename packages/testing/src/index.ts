export * from './mysql.ts';
export * from './redis.ts';
