import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

/** Each Lua script, its file and its number of KEYS; registered with ioredis `defineCommand`. */
const SCRIPTS = {
  queueJoin: { file: 'join.lua', keys: 8 },
  queuePoll: { file: 'poll.lua', keys: 7 },
  queuePromote: { file: 'promote.lua', keys: 8 },
  queueExpireToken: { file: 'expire-token.lua', keys: 7 },
  queueTokenState: { file: 'token-state.lua', keys: 3 },
  queueOpenRoom: { file: 'open-room.lua', keys: 2 },
  queueCloseRoom: { file: 'close-room.lua', keys: 7 },
  queueRoomStats: { file: 'room-stats.lua', keys: 4 },
  queueReadStatuses: { file: 'read-statuses.lua', keys: 7 },
  queueAdjustSeatsLeft: { file: 'adjust-seats-left.lua', keys: 1 },
  queueRoomTick: { file: 'room-tick.lua', keys: 3 },
} as const;

type Arg = string | number;
type Reply = (string | number)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueJoin(...args: Arg[]): Result<Reply, Context>;
    queuePoll(...args: Arg[]): Result<Reply, Context>;
    queuePromote(...args: Arg[]): Result<number[], Context>;
    queueExpireToken(...args: Arg[]): Result<number, Context>;
    queueTokenState(...args: Arg[]): Result<Reply, Context>;
    queueOpenRoom(...args: Arg[]): Result<number[], Context>;
    queueCloseRoom(...args: Arg[]): Result<number, Context>;
    queueRoomStats(...args: Arg[]): Result<Reply, Context>;
    queueReadStatuses(...args: Arg[]): Result<Reply, Context>;
    queueAdjustSeatsLeft(...args: Arg[]): Result<number | null, Context>;
    queueRoomTick(...args: Arg[]): Result<string[], Context>;
  }
}

const sources = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, { file }]) => [
    name,
    readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8'),
  ]),
) as Record<keyof typeof SCRIPTS, string>;

const registered = new WeakSet<Redis>();

/** Registers the queue scripts on a connection once; ioredis then runs them by EVALSHA. */
export function registerQueueScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const [name, { keys }] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: keys, lua: sources[name as keyof typeof SCRIPTS] });
  }
  registered.add(redis);
}
