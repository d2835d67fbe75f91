import type { PrismaClient } from '@concert/db';
import { parseQueueEvent, type QueueEvent } from '@concert/queue-core';

/**
 * The journal's pure part, and its SQL: a batch of a room's stream entries folds into the writes
 * that record it in the Queue table. See journal.ts for how the entries are read.
 */

/** Rows per INSERT statement: batches of hundreds keep a 10 000-token admission tick to a few statements. */
const ROWS_PER_STATEMENT = 500;

export type JournalStatus = 'WAITING' | 'ACTIVE' | 'EXPIRED';
const RANK: Record<JournalStatus, number> = { WAITING: 1, ACTIVE: 2, EXPIRED: 3 };

export interface JournalRow {
  concertId: number;
  userId: number;
  tokenSeq: number;
  status: JournalStatus;
  createdAt: Date;
  admittedAt: Date | null;
  expiredAt: Date | null;
}

/** An entry as XREADGROUP returns it; one trimmed away while pending comes back without fields. */
export type StreamEntry = [id: string, fields: string[] | null];

/** What a batch makes MySQL do, in order: upsert token rows, or close the room at a time. */
export type JournalWrite = { kind: 'upsert'; rows: JournalRow[] } | { kind: 'close'; at: Date };

const earliest = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a <= b ? a : b);

/** Folds one event into the pending rows of its room, keeping each token's furthest state. */
function foldEvent(rows: Map<number, JournalRow>, concertId: number, event: QueueEvent): void {
  const status: JournalStatus = event.kind === 'J' ? 'WAITING' : event.kind === 'A' ? 'ACTIVE' : 'EXPIRED';
  for (const { userId, tokenId } of event.tokens) {
    if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(tokenId) || userId < 1 || tokenId < 1)
      continue;
    const row = rows.get(tokenId) ?? {
      concertId,
      userId,
      tokenSeq: tokenId,
      status,
      createdAt: event.at,
      admittedAt: null,
      expiredAt: null,
    };
    if (RANK[status] > RANK[row.status]) row.status = status;
    row.createdAt = earliest(row.createdAt, event.at)!;
    if (event.kind === 'A') row.admittedAt = earliest(row.admittedAt, event.at);
    if (event.kind === 'X') row.expiredAt = earliest(row.expiredAt, event.at);
    rows.set(tokenId, row);
  }
}

/**
 * A room's batch of entries as writes: one row per token, at its furthest state, and a close ('C')
 * as a write of its own after the rows folded before it, so that it expires them. Entries that are
 * not events (garbage, or trimmed) are skipped.
 */
export function foldEntries(concertId: number, entries: StreamEntry[]): JournalWrite[] {
  const writes: JournalWrite[] = [];
  let rows = new Map<number, JournalRow>();
  const flush = () => {
    if (rows.size > 0) writes.push({ kind: 'upsert', rows: [...rows.values()] });
    rows = new Map();
  };
  for (const [, fields] of entries) {
    const event = fields ? parseQueueEvent(fields) : null;
    if (!event) continue;
    if (event.kind === 'C') {
      flush();
      writes.push({ kind: 'close', at: event.at });
    } else {
      foldEvent(rows, concertId, event);
    }
  }
  flush();
  return writes;
}

/**
 * Writes rows in multi-row statements. A repeat of an event (a redelivery after a crash) changes
 * nothing, and a status never moves back (WAITING < ACTIVE < EXPIRED), so the order in which
 * batches land does not matter.
 */
async function upsertRows(prisma: PrismaClient, rows: JournalRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    const params = chunk.flatMap((r) => [
      r.concertId,
      r.userId,
      r.tokenSeq,
      r.status,
      r.createdAt,
      r.admittedAt,
      r.expiredAt,
    ]);
    await prisma.$executeRawUnsafe(
      `INSERT INTO Queue (concert_id, user_id, token_uuid, status, created_at, admitted_at, expired_at)
       VALUES ${values}
       ON DUPLICATE KEY UPDATE
         created_at = LEAST(created_at, VALUES(created_at)),
         admitted_at = COALESCE(admitted_at, VALUES(admitted_at)),
         expired_at = COALESCE(expired_at, VALUES(expired_at)),
         status = IF(FIELD(VALUES(status), 'WAITING', 'ACTIVE', 'EXPIRED') > FIELD(status, 'WAITING', 'ACTIVE', 'EXPIRED'),
                     VALUES(status), status)`,
      ...params,
    );
  }
}

/** A closed room: every token of it that was live when it closed is EXPIRED. */
async function closeRoomRows(prisma: PrismaClient, concertId: number, at: Date): Promise<void> {
  await prisma.$executeRaw`
    UPDATE Queue SET status = 'EXPIRED', expired_at = COALESCE(expired_at, ${at})
     WHERE concert_id = ${concertId} AND status IN ('WAITING', 'ACTIVE') AND created_at <= ${at}`;
}

/** Runs a room's writes in their order. */
export async function applyWrites(
  prisma: PrismaClient,
  concertId: number,
  writes: JournalWrite[],
): Promise<void> {
  for (const write of writes) {
    if (write.kind === 'upsert') await upsertRows(prisma, write.rows);
    else await closeRoomRows(prisma, concertId, write.at);
  }
}
