import { readdirSync, readFileSync } from 'node:fs';
import type { PrismaClient } from '@concert/db';

/**
 * Cumulative server counters from `SHOW GLOBAL STATUS`. They count every client of the server, the
 * bench's own reads included (a few per run), so read them only around a measured run.
 */
const MYSQL_COUNTERS = (
  'Questions Com_select Com_insert Com_update Com_delete Com_begin Com_commit Com_rollback Com_set_option ' +
  'Com_stmt_prepare Com_stmt_execute Com_stmt_close Handler_commit Innodb_row_lock_waits Innodb_row_lock_time ' +
  'Innodb_os_log_fsyncs Innodb_data_fsyncs Bytes_received Bytes_sent'
).split(' ');

export async function readMysqlCounters(prisma: PrismaClient): Promise<Record<string, number>> {
  const rows = await prisma.$queryRawUnsafe<{ Variable_name: string; Value: string }[]>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${MYSQL_COUNTERS.map((n) => `'${n}'`).join(', ')})`,
  );
  return Object.fromEntries(rows.map((r) => [`mysql.${r.Variable_name}`, Number(r.Value)]));
}

/**
 * The pid of the server this client is connected to, from its `@@pid_file` (the bench only targets
 * 127.0.0.1): matching `/proc/<pid>/comm` would pick any of several servers on the machine, and is
 * only the fallback.
 */
export async function readMysqlPid(prisma: PrismaClient): Promise<number | undefined> {
  try {
    const [row] = await prisma.$queryRawUnsafe<{ f: string }[]>('SELECT @@pid_file AS f');
    const pid = Number(readFileSync(String(row?.f), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
  } catch {}
  for (const e of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (['mariadbd', 'mysqld'].includes(readFileSync(`/proc/${e}/comm`, 'utf8').trim())) return Number(e);
    } catch {}
  }
  return undefined;
}

/**
 * Users 1…users, in multi-row INSERTs of generated integers only; 1…payers get `balance` (with its
 * CHARGE ledger row), the rest 0. Through the API, each payer's money would take one HTTP charge.
 */
export async function seedUsers(prisma: PrismaClient, users: number, payers: number, balance: number) {
  for (let first = 1; first <= users; first += 5_000) {
    const rows = Array.from(
      { length: Math.min(5_000, users - first + 1) },
      (_, i) => `(${first + i},'bench-${first + i}')`,
    );
    await prisma.$executeRawUnsafe(`INSERT INTO \`User\` (user_id, user_name) VALUES ${rows.join(',')}`);
  }
  await prisma.$executeRawUnsafe(
    `INSERT INTO Balance (user_id, \`value\`) SELECT user_id, IF(user_id <= ${payers}, ${balance}, 0) FROM \`User\``,
  );
  await prisma.$executeRawUnsafe(`INSERT INTO Balance_Ledger (user_id, kind, amount, balance_after)
     SELECT user_id, 'CHARGE', \`value\`, \`value\` FROM Balance WHERE \`value\` > 0`);
}

/** One date the bench created, with its seats' ids in seat-number order (A1, A2, …). */
export interface CatalogDate {
  concertId: number;
  scheduleId: number;
  seatIds: number[];
}

/**
 * `dates` dates of `seats` seats (rows A, B, … of up to 1,000, one price), through the booking API's
 * `POST /v1/admin/concerts` as an operator would, 31 dates (its limit) to a concert. It answers
 * schedule ids only, so the seat ids are read back from MySQL.
 */
export async function createConcertsOverHttp(
  prisma: PrismaClient,
  opts: { apiUrl: string; adminKey: string; name: string; dates: number; seats: number; price: number },
): Promise<CatalogDate[]> {
  const created: { concertId: number; scheduleId: number }[] = [];
  for (let first = 0; first < opts.dates; first += 31) {
    const sections = Array.from({ length: Math.ceil(opts.seats / 1000) }, (_, k) => ({
      row: String.fromCharCode(65 + k),
      seats: Math.min(1000, opts.seats - k * 1000),
      price: opts.price,
    }));
    const schedules = Array.from({ length: Math.min(31, opts.dates - first) }, (_, d) => ({
      playDate: new Date(Date.UTC(2027, 0, 1 + d)).toISOString().slice(0, 10),
      sections,
    }));
    const res = await fetch(`${opts.apiUrl}/v1/admin/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': opts.adminKey },
      body: JSON.stringify({ name: `${opts.name} ${first / 31 + 1}`, schedules }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 201) throw new Error(`create concert: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { concertId: number; schedules: { scheduleId: number }[] };
    for (const s of body.schedules) created.push({ concertId: body.concertId, scheduleId: s.scheduleId });
  }
  const seatIds = new Map<number, number[]>(created.map((d) => [d.scheduleId, []]));
  for (let i = 0; i < created.length; i += 500) {
    const rows = await prisma.$queryRawUnsafe<{ seatId: number; scheduleId: number; seatNo: string }[]>(
      `SELECT seat_id AS seatId, concert_schedule_id AS scheduleId, seat_no AS seatNo FROM Seat
        WHERE concert_schedule_id IN (${created
          .slice(i, i + 500)
          .map((d) => d.scheduleId)
          .join(',')})`,
    );
    for (const r of rows)
      seatIds.get(Number(r.scheduleId))![
        (r.seatNo.charCodeAt(0) - 65) * 1000 + Number(r.seatNo.slice(1)) - 1
      ] = Number(r.seatId);
  }
  return created.map((d) => {
    const seats = seatIds.get(d.scheduleId)!;
    const found = seats.filter(Number.isInteger).length;
    if (found !== opts.seats || seats.length !== opts.seats)
      throw new Error(`schedule ${d.scheduleId}: ${found} of ${opts.seats} seats in MySQL`);
    return { ...d, seatIds: seats };
  });
}
