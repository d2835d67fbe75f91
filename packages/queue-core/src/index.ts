export { createKeySpace, type KeySpace, type RoomKeys } from './keys.ts';
export { createRedis, type CreateRedisOptions } from './redis.ts';
export { registerQueueScripts } from './scripts.ts';
export { createTokenCodec, InvalidTokenError, type TokenClaims, type TokenCodec } from './token.ts';
export { advisePollAfterMs, estimateWaitSeconds, MAX_ESTIMATE_SECONDS } from './estimate.ts';
export * from './queue.ts';
export * from './events.ts';
