export {
  advisePollAfterMs,
  type EstimateModel,
  estimateFromRoom,
  estimateWaitSeconds,
  MAX_ESTIMATE_SECONDS,
  modelWaitSeconds,
  parseEstimateModel,
} from './estimate.ts';
export * from './events.ts';
export { createKeySpace, type KeySpace, type RoomKeys } from './keys.ts';
export * from './queue.ts';
export { type RoomRestore, restoreRoom } from './restore.ts';
export { registerQueueScripts } from './scripts.ts';
export { adjustSeatsLeft, isSoldOutCount, seatsLeftKey, setSeatsLeft } from './seats-left.ts';
export { createTokenCodec, InvalidTokenError, type TokenClaims, type TokenCodec } from './token.ts';
