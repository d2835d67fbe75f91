import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  freePort,
  TEST_AUTH_SECRET,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_ENV,
  testUserToken,
} from '@concert/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceAndLedger,
  createTestEnv,
  seatId,
  seedCatalog,
  TEST_SECRET,
  type TestEnv,
} from './helpers.ts';

// Several instances of each service, as real processes on a Redis Cluster: 3 gateways and 2 booking
// APIs (workers on in both), and fans who go to any instance and move to another when theirs stops
// answering. Mid-sale one gateway and one booking API are killed with SIGKILL. Then, in MySQL and
// Redis: no seat sold twice, no balance below zero, every ledger sums to its balance, every payment
// whole; admissions in join order and never more ACTIVE than maxActive. Runs in the cluster pass.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
// The server runs in this one node process (tsx as a loader), so that SIGKILL kills the server itself:
// the tsx command would fork a child that outlives its killed parent.
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const ADMIN = 'instances-admin-key';
const USERS = 60;
const SEATS = 30;
const ROOM = {
  maxActive: 10,
  admitPerSecond: 20,
  activeTtlSeconds: 60,
  idleTimeoutSeconds: 30,
  maxWaiting: 1000,
};

let env: TestEnv;
const children: ChildProcess[] = [];

interface Instance {
  url: string;
  child: ChildProcess;
}

async function startInstance(
  app: 'queue-gateway' | 'booking-api',
  vars: Record<string, string>,
): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', tsxLoader, 'src/server.ts'], {
    cwd: path.join(root, 'apps', app),
    env: { ...process.env, ...vars, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return { url, child };
    } catch {}
    if (Date.now() > deadline) throw new Error(`${app} on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A request to the first instance that answers, from `start` on: a fan whose instance died moves on. */
async function anyOf(instances: Instance[], start: number, pathname: string, init: RequestInit = {}) {
  for (let i = 0; i < instances.length * 3; i++) {
    const target = instances[(start + i) % instances.length]!;
    try {
      const res = await fetch(`${target.url}${pathname}`, init);
      if (res.status === 503) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      return res;
    } catch {
      // Connection refused or reset: that instance is gone.
    }
  }
  throw new Error(`no instance answered ${pathname}`);
}

const json = (token: string, body?: unknown): RequestInit => ({
  method: body === undefined ? 'GET' : 'POST',
  headers: {
    authorization: `Bearer ${token}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

beforeAll(async () => {
  env = await createTestEnv('instances');
  await seedCatalog(env.prisma, {
    users: USERS,
    concerts: [{ id: 1, schedules: [{ id: 1, seats: SEATS, price: 1_000 }] }],
  });
  await env.prisma.balance.updateMany({ data: { amount: 1_500n } });
  await env.prisma.balanceLedger.createMany({
    data: Array.from({ length: USERS }, (_, i) => ({
      userId: i + 1,
      kind: 'CHARGE' as const,
      amount: 1_500n,
      balanceAfter: 1_500n,
    })),
  });
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  await env?.close();
});

describe.skipIf(!TEST_REDIS_CLUSTER_NODES)('three gateways and two booking APIs on a Redis Cluster', () => {
  it('keeps every invariant when one of each is killed mid-sale', { timeout: 120_000 }, async () => {
    const shared = {
      ...TEST_REDIS_ENV,
      REDIS_KEY_PREFIX: env.prefix,
      QUEUE_TOKEN_SECRET: TEST_SECRET,
      AUTH_JWT_SECRET: TEST_AUTH_SECRET,
      ADMIN_API_KEY: ADMIN,
      RATE_LIMIT_MAX: '0',
    };
    const gateways = await Promise.all([1, 2, 3].map(() => startInstance('queue-gateway', shared)));
    const bookings = await Promise.all(
      [1, 2].map(() =>
        startInstance('booking-api', { ...shared, DATABASE_URL: env.db.url, WORKERS_INLINE: 'true' }),
      ),
    );
    const opened = await fetch(`${gateways[0]!.url}/v1/admin/queues/1`, {
      method: 'PUT',
      headers: { 'x-admin-key': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify(ROOM),
    });
    expect(opened.status).toBe(200);

    // The operator's sampler: ACTIVE never above maxActive, seen from every gateway in turn.
    let maxActiveSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      for (let i = 0; sampling; i++) {
        const res = await anyOf(gateways, i, '/v1/admin/queues/1', {
          headers: { 'x-admin-key': ADMIN },
        }).catch(() => null);
        if (res?.ok)
          maxActiveSeen = Math.max(maxActiveSeen, ((await res.json()) as { active: number }).active);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const outcomes: string[] = [];
    const fan = async (u: number) => {
      const userToken = await testUserToken(u);
      const joined = await anyOf(gateways, u, '/v1/queue/tokens', json(userToken, { concertId: 1 }));
      if (joined.status !== 201) return outcomes.push(`join ${joined.status}`);
      const { token } = (await joined.json()) as { token: string };
      for (let polls = 0; ; polls++) {
        const res = await anyOf(gateways, u + polls, '/v1/queue/status', json(token));
        const body = (await res.json()) as { status: string; pollAfterMs?: number };
        if (body.status === 'ACTIVE') break;
        if (body.status === 'EXPIRED' || polls > 400) return outcomes.push(`queue ${body.status}`);
        await new Promise((r) => setTimeout(r, Math.min(body.pollAfterMs ?? 200, 200)));
      }
      for (let attempt = 0; attempt < 6; attempt++) {
        const seat = seatId(1, 1 + ((u * 7 + attempt * 13) % SEATS));
        const hold = await anyOf(
          bookings,
          u + attempt,
          '/v1/reservations',
          json(token, { scheduleId: 1, seatId: seat }),
        );
        if (hold.status !== 201) continue;
        const { reservationId } = (await hold.json()) as { reservationId: number };
        const paid = await anyOf(bookings, u + attempt + 1, '/v1/payments', {
          ...json(token, { reservationIds: [reservationId] }),
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': `pay-${u}`,
          },
        });
        outcomes.push(`pay ${paid.status}`);
        break;
      }
      // Done, bought or not: the slot goes to the next fan.
      await anyOf(gateways, u, '/v1/queue/tokens/current', {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
      return outcomes.length;
    };

    const sale = Promise.all(Array.from({ length: USERS }, (_, i) => fan(i + 1)));
    await new Promise((r) => setTimeout(r, 2_000));
    gateways[1]!.child.kill('SIGKILL');
    bookings[0]!.child.kill('SIGKILL');
    // Really gone: nothing answers on their ports any more.
    await new Promise((r) => setTimeout(r, 200));
    for (const dead of [gateways[1]!, bookings[0]!]) {
      await expect(fetch(`${dead.url}/health/live`)).rejects.toThrow();
    }
    await sale;
    sampling = false;
    await sampler;

    expect(maxActiveSeen).toBeGreaterThan(0);
    expect(maxActiveSeen).toBeLessThanOrEqual(ROOM.maxActive);
    expect(outcomes.filter((o) => o.startsWith('pay 201')).length).toBeGreaterThan(0);

    // MySQL: no seat twice, and money that adds up for everyone.
    const twice = await env.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT COUNT(*) AS n FROM (SELECT seat_id FROM Reservation WHERE status IN ('PROGRESS', 'COMPLETED')
       GROUP BY seat_id HAVING COUNT(*) > 1) AS t`;
    expect(Number(twice[0]!.n)).toBe(0);
    for (let u = 1; u <= USERS; u++) {
      const { balance, ledger } = await balanceAndLedger(env.prisma, u);
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(ledger).toBe(balance);
      const payments = await env.prisma.payment.findMany({
        where: { userId: u },
        include: { reservations: true },
      });
      expect(payments.length).toBeLessThanOrEqual(1);
      for (const p of payments) {
        expect(p.reservations.map((r) => r.status)).toEqual(['COMPLETED']);
        expect(Number(p.amount)).toBe(1_000);
      }
      expect(balance).toBe(1_500 - 1_000 * payments.length);
    }
    // Admissions in join order: the journal's admission times never go backwards along the line.
    const admitted = await env.prisma.queue.findMany({
      where: { concertId: 1, admittedAt: { not: null } },
      orderBy: { tokenSeq: 'asc' },
    });
    expect(admitted.length).toBeGreaterThan(0);
    for (let i = 1; i < admitted.length; i++) {
      expect(admitted[i]!.admittedAt!.getTime()).toBeGreaterThanOrEqual(
        admitted[i - 1]!.admittedAt!.getTime(),
      );
    }
    console.log(
      `instances: ${outcomes.filter((o) => o === 'pay 201').length} paid of ${USERS}, max ACTIVE seen ${maxActiveSeen}`,
    );
  });
});
