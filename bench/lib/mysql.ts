import { readFileSync } from 'node:fs';
import type { PrismaClient } from '@concert/db';

/**
 * Cumulative server counters from `SHOW GLOBAL STATUS`: statements by kind, prepared-statement
 * traffic, transactions, row-lock waits and redo-log fsyncs. They count every client of the server,
 * the bench's own reads included (a few per run), so read them only around a measured run.
 */
export const MYSQL_COUNTERS = [
  'Questions',
  'Com_select',
  'Com_insert',
  'Com_update',
  'Com_delete',
  'Com_begin',
  'Com_commit',
  'Com_rollback',
  'Com_set_option',
  'Com_stmt_prepare',
  'Com_stmt_execute',
  'Com_stmt_close',
  'Handler_commit',
  'Innodb_row_lock_waits',
  'Innodb_row_lock_time',
  'Innodb_os_log_fsyncs',
  'Innodb_data_fsyncs',
  'Bytes_received',
  'Bytes_sent',
] as const;

export async function readMysqlCounters(prisma: PrismaClient): Promise<Record<string, number>> {
  const list = MYSQL_COUNTERS.map((n) => `'${n}'`).join(', ');
  const rows = await prisma.$queryRawUnsafe<{ Variable_name: string; Value: string }[]>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${list})`,
  );
  const out: Record<string, number> = {};
  for (const r of rows) out[`mysql.${r.Variable_name}`] = Number(r.Value);
  return out;
}

/**
 * The pid of the MariaDB server this client is connected to, from its `@@pid_file` (the bench only
 * targets 127.0.0.1, so the file is local); undefined when unreadable. Matching `/proc/<pid>/comm`
 * instead would pick any of several servers on the machine (another instance on another port).
 */
export async function readMysqlPid(prisma: PrismaClient): Promise<number | undefined> {
  try {
    const [row] = await prisma.$queryRawUnsafe<{ f: string }[]>('SELECT @@pid_file AS f');
    const pid = Number(readFileSync(String(row?.f), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
