/**
 * bench:streams — how many open push streams (`GET /v1/queue/stream`) one gateway instance holds, and
 * at what CPU: while they idle (ticks and pings), and to push one change to all of them.
 *
 *   pnpm --filter @concert/bench exec tsx streams.ts [--streams 5000] [--redis-url redis://…]
 */
import http from 'node:http';
import type { CpuSample } from './lib/child.ts';
import { fillWaitingRoom, openRoomOverHttp } from './lib/queue.ts';
import { openSession, readOptions } from './lib/runner.ts';

const opts = readOptions({ streams: { default: 5000, min: 1 } }, process.argv.slice(2), process.env);
const { streams } = opts;
const concertId = 7;
const cpuMs = (a: CpuSample, b: CpuSample) => (b.userUs - a.userUs + b.systemUs - a.systemUs) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const s = await openSession('streams', opts, (l) => console.error(l));
const gateway = await s.start('gateway', 'gateway', { ...s.env, PROMOTER_ENABLED: 'false' });
const sockets: http.ClientRequest[] = [];
try {
  await openRoomOverHttp(gateway.url, s.adminKey, concertId, { maxActive: 1, idleTimeoutSeconds: 60 });
  const keep = new Set(Array.from({ length: streams }, (_, i) => i));
  const { kept } = await fillWaitingRoom(s.queue, { concertId, firstUserId: 1, count: streams, keep });
  const tokens = kept.map((u) => s.codec.signToken({ userId: u.userId, concertId, tokenId: u.tokenId }));

  // Each stream's last position, from its last `event: status`.
  const positions = new Array<number>(streams).fill(0);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const opened = performance.now();
  await Promise.all(
    tokens.map(
      (token, i) =>
        new Promise<void>((resolve, reject) => {
          const headers = { authorization: `Bearer ${token}` };
          const req = http.get(`${gateway.url}/v1/queue/stream`, { agent, headers }, (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              const matches = [...chunk.matchAll(/"position":(\d+)/g)];
              if (matches.length > 0) positions[i] = Number(matches.at(-1)![1]);
              resolve();
            });
            res.on('error', () => undefined);
          });
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
  const leave = (t: string) =>
    fetch(`${gateway.url}/v1/queue/tokens/current`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t}` },
    });
  await Promise.all(tokens.slice(0, 10).map(leave));
  while (positions.slice(10).some((p, i) => p !== expected[i + 10])) {
    if (performance.now() - pushed > 30_000) throw new Error('the change never reached every stream');
    await sleep(10);
  }
  const pushSeconds = (performance.now() - pushed) / 1000;
  const after = await gateway.readCpu();

  console.log(`streams held open by one instance: ${streams} (opened in ${openSeconds.toFixed(1)} s)`);
  console.log(
    `gateway CPU while they idle (ticks, pings): ${(cpuMs(idle0, idle1) / (idle1.atMs - idle0.atMs)).toFixed(3)} cores`,
  );
  console.log(
    `one change pushed to all ${streams - 10}: ${(pushSeconds * 1000).toFixed(0)} ms, ${cpuMs(before, after).toFixed(0)} ms of gateway CPU`,
  );
  console.log(`(bench process RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`);
} finally {
  for (const socket of sockets) socket.destroy();
  await s.close();
}
