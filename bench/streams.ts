/**
 * bench:streams — how many open push streams (`GET /v1/queue/stream`) one gateway instance holds, and
 * at what CPU: while they idle (ticks and pings), and to push one change to all of them.
 *
 *   pnpm --filter @concert/bench exec tsx streams.ts [--streams 5000] [--redis-url redis://…]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis } from '@concert/http';
import { createQueueCore, createTokenCodec } from '@concert/queue-core';
import type { CpuSample } from './lib/ipc.ts';
import { parseFlags, readNumber, readString } from './lib/options.ts';
import { fillWaitingRoom } from './lib/queue.ts';
import { deleteKeysWithPrefix } from './lib/redis.ts';
import { startServerProcess } from './lib/server-process.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const raw = parseFlags(process.argv.slice(2), process.env);
const streams = readNumber(raw, 'streams', 5000, 1);
const redisUrl = readString(raw, 'redis-url', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const concertId = 7;
const prefix = `bench:streams:${randomUUID().slice(0, 8)}:`;
const secret = randomBytes(24).toString('hex');
const adminKey = randomBytes(12).toString('hex');

const cores = (a: CpuSample, b: CpuSample) =>
  (b.userUs - a.userUs + b.systemUs - a.systemUs) / 1000 / (b.atMs - a.atMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = createRedis(redisUrl, { name: 'bench-streams' });
await redis.connect();
const queue = createQueueCore({ redis, prefix });
const codec = createTokenCodec(secret);
const gateway = await startServerProcess({
  name: 'gateway',
  entry: path.join(here, 'servers/gateway.ts'),
  env: {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_TOKEN_SECRET: secret,
    AUTH_JWT_SECRET: randomBytes(24).toString('hex'),
    ADMIN_API_KEY: adminKey,
    RATE_LIMIT_MAX: '0',
    PROMOTER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
  },
});
const sockets: http.ClientRequest[] = [];
try {
  await fetch(`${gateway.url}/v1/admin/queues/${concertId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    body: JSON.stringify({ maxActive: 1, idleTimeoutSeconds: 60 }),
  });
  const keep = new Set(Array.from({ length: streams }, (_, i) => i));
  const { kept } = await fillWaitingRoom(queue, { concertId, firstUserId: 1, count: streams, keep });
  const tokens = kept.map((u) => codec.signToken({ userId: u.userId, concertId, tokenId: u.tokenId }));

  // Each stream's last position, from its last `event: status`.
  const positions = new Array<number>(streams).fill(0);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const opened = performance.now();
  await Promise.all(
    tokens.map(
      (token, i) =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(
            `${gateway.url}/v1/queue/stream`,
            { agent, headers: { authorization: `Bearer ${token}` } },
            (res) => {
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                const matches = [...chunk.matchAll(/"position":(\d+)/g)];
                if (matches.length > 0) positions[i] = Number(matches.at(-1)![1]);
                resolve();
              });
              res.on('error', () => undefined);
            },
          );
          req.on('error', reject);
          sockets.push(req);
        }),
    ),
  );
  const openSeconds = (performance.now() - opened) / 1000;

  const idle0 = await gateway.readCpu();
  await sleep(10_000);
  const idle1 = await gateway.readCpu();

  // The front ten leave: every other stream's position drops by ten.
  const expected = positions.map((p) => p - 10);
  const before = await gateway.readCpu();
  const pushed = performance.now();
  await Promise.all(
    tokens.slice(0, 10).map((t) =>
      fetch(`${gateway.url}/v1/queue/tokens/current`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${t}` },
      }),
    ),
  );
  while (positions.slice(10).some((p, i) => p !== expected[i + 10])) {
    if (performance.now() - pushed > 30_000) throw new Error('the change never reached every stream');
    await sleep(10);
  }
  const pushSeconds = (performance.now() - pushed) / 1000;
  const after = await gateway.readCpu();

  console.log(`streams held open by one instance: ${streams} (opened in ${openSeconds.toFixed(1)} s)`);
  console.log(`gateway CPU while they idle (ticks, pings): ${cores(idle0, idle1).toFixed(3)} cores`);
  console.log(
    `one change pushed to all ${streams - 10}: ${(pushSeconds * 1000).toFixed(0)} ms, ` +
      `${((after.userUs - before.userUs + after.systemUs - before.systemUs) / 1000).toFixed(0)} ms of gateway CPU`,
  );
  const rss = process.memoryUsage().rss;
  console.log(`(bench process RSS ${(rss / 2 ** 20).toFixed(0)} MB)`);
} finally {
  for (const s of sockets) s.destroy();
  await gateway.stop();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
}
