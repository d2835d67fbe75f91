import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeToken,
  bearer,
  buildTestApp,
  createTestEnv,
  problemOf,
  type TestEnv,
  userAuth,
} from './helpers.ts';

const ADMIN_KEY = 'catalog-admin-key';

let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv('catalog');
  app = await buildTestApp(env, { ADMIN_API_KEY: ADMIN_KEY });
});

afterAll(async () => {
  await app?.close();
  await env?.close();
});

const admin = { 'x-admin-key': ADMIN_KEY };
const create = (payload: unknown, headers: Record<string, string> = admin) =>
  app.inject({ method: 'POST', url: '/v1/admin/concerts', headers, payload: payload as object });

const section = (row: string, seats: number, price = 50_000) => ({ row, seats, price });
const date = (playDate: string, ...sections: ReturnType<typeof section>[]) => ({
  playDate,
  sections: sections.length > 0 ? sections : [section('A', 10)],
});

async function catalogRows() {
  const [row] = await env.prisma.$queryRaw<{ concerts: bigint; schedules: bigint; seats: bigint }[]>`
    SELECT (SELECT COUNT(*) FROM Concert) AS concerts, (SELECT COUNT(*) FROM Concert_Schedule) AS schedules,
           (SELECT COUNT(*) FROM Seat) AS seats`;
  return { concerts: Number(row!.concerts), schedules: Number(row!.schedules), seats: Number(row!.seats) };
}

describe('POST /v1/admin/concerts', () => {
  it('creates a concert with its dates and numbered seats, in one transaction', async () => {
    const res = await create({
      name: 'Aurora — Encore',
      schedules: [date('2027-05-02', section('B', 3, 80_000), section('A', 2, 120_000)), date('2027-05-01')],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'Aurora — Encore',
      schedules: [
        { playDate: '2027-05-01', totalSeats: 10 },
        { playDate: '2027-05-02', totalSeats: 5 },
      ],
    });
    const seats = await env.prisma.seat.findMany({
      where: { scheduleId: body.schedules[1].scheduleId },
      select: { seatNo: true, price: true },
      orderBy: { id: 'asc' },
    });
    expect(seats.map((s) => [s.seatNo, Number(s.price)])).toEqual([
      ['B1', 80_000],
      ['B2', 80_000],
      ['B3', 80_000],
      ['A1', 120_000],
      ['A2', 120_000],
    ]);
    // It is a concert like any other: listed, and open to bookings.
    const listed = await app.inject({ method: 'GET', url: '/v1/concerts' });
    expect(listed.json()).toContainEqual({ concertId: body.concertId, name: 'Aurora — Encore' });
  });

  it('keeps prices exact up to 2^53 - 1', async () => {
    const res = await create({
      name: 'Exact',
      schedules: [date('2027-06-01', section('VIP', 2, Number.MAX_SAFE_INTEGER))],
    });
    const [seat] = await env.prisma.seat.findMany({
      where: { scheduleId: res.json().schedules[0].scheduleId },
    });
    expect(seat!.price).toBe(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it('refuses malformed catalogs with 400, listing the fields, and writes nothing', async () => {
    const before = await catalogRows();
    const tooMany = Array.from({ length: 21 }, (_, i) => section(`R${i}`, 1000));
    const cases: [string, unknown, string[]][] = [
      ['no body fields', {}, ['/name', '/schedules']],
      ['empty name', { name: '', schedules: [date('2027-01-01')] }, ['/name']],
      ['blank name', { name: '   ', schedules: [date('2027-01-01')] }, ['/name']],
      ['name too long', { name: 'x'.repeat(201), schedules: [date('2027-01-01')] }, ['/name']],
      ['no schedules', { name: 'n', schedules: [] }, ['/schedules']],
      [
        '32 schedules',
        {
          name: 'n',
          schedules: Array.from({ length: 32 }, (_, i) => date(`2027-01-${String(i + 1).padStart(2, '0')}`)),
        },
        ['/schedules'],
      ],
      [
        'duplicate dates',
        { name: 'n', schedules: [date('2027-01-01'), date('2027-01-01')] },
        ['/schedules/1/playDate'],
      ],
      ['not a date', { name: 'n', schedules: [date('2027-02-30')] }, ['/schedules/0/playDate']],
      ['a time, not a date', { name: 'n', schedules: [date('2027-02-01T10:00')] }, ['/schedules/0/playDate']],
      [
        'no sections',
        { name: 'n', schedules: [{ playDate: '2027-01-01', sections: [] }] },
        ['/schedules/0/sections'],
      ],
      [
        'duplicate rows',
        { name: 'n', schedules: [date('2027-01-01', section('A', 1), section('a', 2))] },
        ['/schedules/0/sections/1/row'],
      ],
      [
        'too many seats on a date',
        { name: 'n', schedules: [date('2027-01-01', ...tooMany)] },
        ['/schedules/0/sections'],
      ],
      [
        '1001 seats in a row',
        { name: 'n', schedules: [date('2027-01-01', section('A', 1001))] },
        ['/schedules/0/sections/0/seats'],
      ],
      [
        'zero seats',
        { name: 'n', schedules: [date('2027-01-01', section('A', 0))] },
        ['/schedules/0/sections/0/seats'],
      ],
      [
        'zero price',
        { name: 'n', schedules: [date('2027-01-01', section('A', 1, 0))] },
        ['/schedules/0/sections/0/price'],
      ],
      [
        'negative price',
        { name: 'n', schedules: [date('2027-01-01', section('A', 1, -5))] },
        ['/schedules/0/sections/0/price'],
      ],
      [
        'fractional price',
        { name: 'n', schedules: [date('2027-01-01', section('A', 1, 9.5))] },
        ['/schedules/0/sections/0/price'],
      ],
      [
        'price as a string',
        {
          name: 'n',
          schedules: [{ playDate: '2027-01-01', sections: [{ row: 'A', seats: 1, price: '10' }] }],
        },
        ['/schedules/0/sections/0/price'],
      ],
      [
        'row with a dash',
        { name: 'n', schedules: [date('2027-01-01', section('A-1', 1))] },
        ['/schedules/0/sections/0/row'],
      ],
      [
        'row too long',
        { name: 'n', schedules: [date('2027-01-01', section('ABCDEFGHI', 1))] },
        ['/schedules/0/sections/0/row'],
      ],
      ['unknown field', { name: 'n', schedules: [date('2027-01-01')], venue: 'x' }, ['/venue']],
      [
        'unknown section field',
        { name: 'n', schedules: [{ playDate: '2027-01-01', sections: [{ ...section('A', 1), vip: true }] }] },
        ['/schedules/0/sections/0/vip'],
      ],
    ];
    for (const [name, payload, paths] of cases) {
      const res = await create(payload);
      expect(res.statusCode, name).toBe(400);
      const problem = problemOf(res);
      expect(problem.code, name).toBe('VALIDATION_ERROR');
      for (const path of paths)
        expect(
          problem.errors!.map((e) => e.path),
          name,
        ).toContain(path);
    }
    expect(await catalogRows()).toEqual(before);
  });

  it('needs the admin key: 401 ADMIN_KEY_INVALID, nothing written', async () => {
    const before = await catalogRows();
    const body = { name: 'n', schedules: [date('2027-03-01')] };
    const headerSets: Record<string, string>[] = [{}, { 'x-admin-key': 'wrong' }, await userAuth(1)];
    for (const headers of headerSets) {
      const res = await create(body, headers);
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('ADMIN_KEY_INVALID');
    }
    expect(await catalogRows()).toEqual(before);
  });

  it('creates a 20,000-seat date whose seat list has 20,000 AVAILABLE seats', async () => {
    // Rows of letters, so that no two rows make the same seat number.
    const sections = Array.from({ length: 20 }, (_, i) =>
      section(`S${String.fromCharCode(65 + i)}`, 1000, 10_000 + i),
    );
    const res = await create({ name: 'Stadium', schedules: [date('2027-08-15', ...sections)] });
    expect(res.statusCode).toBe(201);
    const { concertId, schedules } = res.json();
    expect(schedules).toEqual([
      { scheduleId: expect.any(Number), playDate: '2027-08-15', totalSeats: 20_000 },
    ]);
    const token = await activeToken(env, concertId, 1);
    const seats = await app.inject({
      method: 'GET',
      url: `/v1/schedules/${schedules[0].scheduleId}/seats`,
      headers: bearer(token),
    });
    expect(seats.statusCode).toBe(200);
    const list = seats.json() as { seatNo: string; status: string }[];
    expect(list).toHaveLength(20_000);
    expect(list.every((s) => s.status === 'AVAILABLE')).toBe(true);
    expect(new Set(list.map((s) => s.seatNo)).size).toBe(20_000);
  });
});

describe('GET /v1/admin/concerts/{id}', () => {
  it('shows seats, sold, held and revenue per date', async () => {
    const created = (
      await create({
        name: 'Sales report',
        schedules: [date('2027-09-01', section('A', 4, 30_000)), date('2027-09-02', section('A', 2, 70_000))],
      })
    ).json();
    const [first, second] = created.schedules as { scheduleId: number }[];
    const token = await activeToken(env, created.concertId, 9);
    const seatIds = (
      await app.inject({
        method: 'GET',
        url: `/v1/schedules/${first!.scheduleId}/seats`,
        headers: bearer(token),
      })
    ).json() as { seatId: number }[];
    const hold = (seatId: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/reservations',
        headers: bearer(token),
        payload: { scheduleId: first!.scheduleId, seatId },
      });
    const paid = (await hold(seatIds[0]!.seatId)).json().reservationId;
    await hold(seatIds[1]!.seatId);
    await app.inject({
      method: 'POST',
      url: '/v1/users/9/balance/charges',
      headers: await userAuth(9),
      payload: { amount: 30_000 },
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/payments',
          headers: bearer(token),
          payload: { reservationIds: [paid] },
        })
      ).statusCode,
    ).toBe(201);

    const res = await app.inject({
      method: 'GET',
      url: `/v1/admin/concerts/${created.concertId}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      concertId: created.concertId,
      name: 'Sales report',
      schedules: [
        {
          scheduleId: first!.scheduleId,
          playDate: '2027-09-01',
          totalSeats: 4,
          sold: 1,
          held: 1,
          revenue: 30_000,
        },
        {
          scheduleId: second!.scheduleId,
          playDate: '2027-09-02',
          totalSeats: 2,
          sold: 0,
          held: 0,
          revenue: 0,
        },
      ],
    });
  });

  it('answers 404 CONCERT_NOT_FOUND for an unknown concert and 400 for a bad id', async () => {
    const missing = await app.inject({ method: 'GET', url: '/v1/admin/concerts/987654', headers: admin });
    expect(problemOf(missing).code).toBe('CONCERT_NOT_FOUND');
    const bad = await app.inject({ method: 'GET', url: '/v1/admin/concerts/1.5', headers: admin });
    expect(bad.statusCode).toBe(400);
  });
});
