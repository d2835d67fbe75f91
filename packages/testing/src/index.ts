export * from './identity.ts';
export * from './jwks.ts';
export * from './mysql.ts';
export * from './redis.ts';
export * from './redis-server.ts';
export * from './stats.ts';
export * from './tcp-proxy.ts';
