import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import { SCRIPT_KEY_ORDER } from './keys.ts';

/**
 * Each Lua script: its file, and how many keys it takes after the room keys. A room script receives
 * the room keys first, in SCRIPT_KEY_ORDER (keys.ts), and runs after common.lua, which names them and
 * holds the logic that several scripts share. Registered with ioredis `defineCommand` (EVALSHA).
 */
const ROOM_SCRIPTS = {
  queueJoin: { file: 'join.lua', extraKeys: 0 },
  queuePoll: { file: 'poll.lua', extraKeys: 0 },
  queuePromote: { file: 'promote.lua', extraKeys: 0 },
  queueExpireToken: { file: 'expire-token.lua', extraKeys: 1 },
  queueTokenState: { file: 'token-state.lua', extraKeys: 1 },
  queueOpenRoom: { file: 'open-room.lua', extraKeys: 0 },
  queueCloseRoom: { file: 'close-room.lua', extraKeys: 0 },
  queueRoomStats: { file: 'room-stats.lua', extraKeys: 0 },
  queueReadStatuses: { file: 'read-statuses.lua', extraKeys: 0 },
  queueRoomTick: { file: 'room-tick.lua', extraKeys: 0 },
  queueReadLine: { file: 'read-line.lua', extraKeys: 0 },
  queueRestoreLine: { file: 'restore-line.lua', extraKeys: 0 },
} as const;

/** Scripts on keys of their own (not a room's). */
const OTHER_SCRIPTS = {
  queueAdjustSeatsLeft: { file: 'adjust-seats-left.lua', keys: 1 },
} as const;

type Arg = string | number;
/** What a script returns, before queue.ts decodes it into named fields. */
type Reply = (string | number)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueJoin(...args: Arg[]): Result<Reply, Context>;
    queuePoll(...args: Arg[]): Result<Reply, Context>;
    queuePromote(...args: Arg[]): Result<number[], Context>;
    queueExpireToken(...args: Arg[]): Result<number, Context>;
    queueTokenState(...args: Arg[]): Result<Reply, Context>;
    queueOpenRoom(...args: Arg[]): Result<(string | number)[], Context>;
    queueCloseRoom(...args: Arg[]): Result<number, Context>;
    queueRoomStats(...args: Arg[]): Result<Reply, Context>;
    queueReadStatuses(...args: Arg[]): Result<Reply, Context>;
    queueRoomTick(...args: Arg[]): Result<string[], Context>;
    queueReadLineBuffer(...args: Arg[]): Result<(Buffer | number)[], Context>;
    queueRestoreLine(...args: Arg[]): Result<number, Context>;
    queueAdjustSeatsLeft(...args: Arg[]): Result<number | null, Context>;
  }
}

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
const common = read('common.lua');

const definitions = [
  ...Object.entries(ROOM_SCRIPTS).map(([name, s]) => ({
    name,
    numberOfKeys: SCRIPT_KEY_ORDER.length + s.extraKeys,
    lua: `${common}\n${read(s.file)}`,
  })),
  ...Object.entries(OTHER_SCRIPTS).map(([name, s]) => ({ name, numberOfKeys: s.keys, lua: read(s.file) })),
];

const registered = new WeakSet<Redis>();

/**
 * Registers the queue scripts on a connection once; ioredis then runs them by EVALSHA. Call it when
 * the connection is set up, before its first command: with auto-pipelining on, a script defined while
 * an automatic pipeline is still pending is missing from that pipeline, and ioredis then throws an
 * uncaught TypeError ("results[i] is not iterable", redis/ioredis#1931) that ends the process.
 */
export function registerQueueScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const { name, numberOfKeys, lua } of definitions) redis.defineCommand(name, { numberOfKeys, lua });
  registered.add(redis);
}

/** Throws unless `registerQueueScripts` ran on this connection (never registers late; see above). */
export function requireQueueScripts(redis: Redis): void {
  if (!registered.has(redis)) {
    throw new Error(
      'the queue scripts are not registered on this connection: call registerQueueScripts when it is created',
    );
  }
}
