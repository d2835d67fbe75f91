import { z } from 'zod';
import { checkCommon, commonFields } from './common.ts';
import { bool, int, parseEnv, port } from './parse.ts';

export const gatewaySchema = z
  .object({
    ...commonFields,
    // Listening port.
    PORT: port(3000),
    // Defaults for a newly opened room.
    QUEUE_MAX_ACTIVE: int(500),
    QUEUE_ADMIT_PER_SECOND: int(50),
    QUEUE_ACTIVE_TTL_SECONDS: int(600),
    QUEUE_IDLE_TIMEOUT_SECONDS: int(60),
    QUEUE_MAX_WAITING: int(2_000_000),
    // Whether this instance runs the promoter, and how often it ticks.
    PROMOTER_ENABLED: bool(true),
    PROMOTER_INTERVAL_MS: int(100, 10, 60_000),
    // Most tokens one promotion tick admits or expires per room. A tick blocks Redis while it runs:
    // 1,000 took 8-12 ms and still admitted 83-113k a second (bench/README.md); 10,000 took 133 ms.
    PROMOTER_BATCH_MAX: int(1000, 1, 1_000_000),
    // How often each room's push streams are read (one Redis call per room per tick), and the silence
    // after which a stream gets `: ping` (the contract asks for one at least every 15 s).
    STREAM_TICK_MS: int(125, 10, 500),
    STREAM_PING_MS: int(10_000, 10, 15_000),
    // Polls answered from this instance's in-memory replica of each room's line (fed by the room's
    // event stream), the largest lag such an answer may have, and the interval of the replica's one
    // liveness write and room read per room.
    REPLICA_ENABLED: bool(true),
    REPLICA_MAX_LAG_MS: int(1000, 50, 10_000),
    REPLICA_TICK_MS: int(250, 10, 5_000),
    // Cap on the lifecycle event stream per room (approximate MAXLEN); protects a noeviction Redis.
    QUEUE_EVENTS_MAXLEN: int(2_000_000, 1000),
  })
  .superRefine(checkCommon);

export type GatewayConfig = z.output<typeof gatewaySchema>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return parseEnv('queue-gateway', gatewaySchema, env);
}

/** A newly opened room's settings, from the QUEUE_* variables, in the shape @concert/queue-core takes. */
export function roomDefaults(
  config: Pick<
    GatewayConfig,
    | 'QUEUE_MAX_ACTIVE'
    | 'QUEUE_ADMIT_PER_SECOND'
    | 'QUEUE_ACTIVE_TTL_SECONDS'
    | 'QUEUE_IDLE_TIMEOUT_SECONDS'
    | 'QUEUE_MAX_WAITING'
  >,
) {
  return {
    maxActive: config.QUEUE_MAX_ACTIVE,
    admitPerSecond: config.QUEUE_ADMIT_PER_SECOND,
    activeTtlSeconds: config.QUEUE_ACTIVE_TTL_SECONDS,
    idleTimeoutSeconds: config.QUEUE_IDLE_TIMEOUT_SECONDS,
    maxWaiting: config.QUEUE_MAX_WAITING,
  };
}
