export { createAdminKeyGuard } from './admin-key.ts';
export { AppError, type FieldError, titleFor, ValidationError } from './errors.ts';
export { ID_PATTERN, Id, IdParam, MAX_ID, Money, toId } from './ids.ts';
export { default as metricsPlugin } from './metrics.ts';
export {
  default as openApiPlugin,
  type OpenApiOptions,
  type RouteAuth,
  type RouteDoc,
  routeKey,
} from './openapi.ts';
export {
  createPeriodicTask,
  createThrottledWarn,
  type PeriodicTask,
  type PeriodicTaskOptions,
} from './periodic-task.ts';
export {
  default as problemJson,
  type Problem,
  type ProblemJsonOptions,
  sendProblem,
  toProblem,
} from './problem.ts';
export { default as rateLimitPlugin, type RateLimitOptions } from './rate-limit.ts';
export {
  type CreateRedisOptions,
  createRedis,
  type RedisLogger,
  type RedisTarget,
  redisTargetOf,
} from './redis.ts';
export { isRedisUnavailable } from './redis-errors.ts';
export { default as redisPlugin } from './redis-plugin.ts';
export { scanKeys } from './redis-scan.ts';
export { NoBody, ProblemSchema, problemResponses } from './schemas.ts';
export {
  listenWithGracefulShutdown,
  loggerOptions,
  quietRequestLogging,
  runService,
  serverOptions,
} from './server.ts';
export { closeOnSignal, drainOnClosePlugin } from './shutdown.ts';
export { toFieldErrors, useStrictValidation } from './validation.ts';
