import { describe, expect, it } from 'vitest';
import { foldEntries, type StreamEntry } from '../src/workers/journal-fold.ts';

// The journal's folding of stream entries into Queue writes: pure, no Redis or MySQL.
const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
let nextId = 1;
const entry = (t: string, atMs: number, ids: string): StreamEntry => [
  `${T0}-${nextId++}`,
  ['t', t, 'at', String(atMs), 'ids', ids],
];
const at = (ms: number) => new Date(ms);

describe('foldEntries', () => {
  it('keeps one row per token, at its furthest state, with the earliest time of each step', () => {
    const writes = foldEntries(4, [
      entry('J', T0, '1:10,2:11'),
      entry('A', T0 + 1000, '1:10'),
      entry('X', T0 + 2000, '1:10'),
      // A redelivered join and admission of token 10 change nothing.
      entry('J', T0 + 3000, '1:10'),
      entry('A', T0 + 3000, '1:10'),
    ]);
    expect(writes).toEqual([
      {
        kind: 'upsert',
        rows: [
          {
            concertId: 4,
            userId: 1,
            tokenSeq: 10,
            status: 'EXPIRED',
            createdAt: at(T0),
            admittedAt: at(T0 + 1000),
            expiredAt: at(T0 + 2000),
          },
          {
            concertId: 4,
            userId: 2,
            tokenSeq: 11,
            status: 'WAITING',
            createdAt: at(T0),
            admittedAt: null,
            expiredAt: null,
          },
        ],
      },
    ]);
  });

  it('never moves a status back: an expiry read before its join stays EXPIRED, created at the join', () => {
    const [write] = foldEntries(1, [entry('X', T0, '7:99'), entry('J', T0 - 5000, '7:99')]);
    expect(write).toEqual({
      kind: 'upsert',
      rows: [
        {
          concertId: 1,
          userId: 7,
          tokenSeq: 99,
          status: 'EXPIRED',
          createdAt: at(T0 - 5000),
          admittedAt: null,
          expiredAt: at(T0),
        },
      ],
    });
  });

  it('writes a close after the rows before it, and the rows after it apart', () => {
    const writes = foldEntries(2, [
      entry('J', T0, '1:1'),
      entry('C', T0 + 10, ''),
      entry('J', T0 + 20, '2:2'),
    ]);
    expect(writes.map((w) => (w.kind === 'upsert' ? w.rows.map((r) => r.tokenSeq) : w.at))).toEqual([
      [1],
      at(T0 + 10),
      [2],
    ]);
  });

  it('skips entries that are not events, trimmed entries and ids out of range', () => {
    const writes = foldEntries(3, [
      ['1-1', ['t', 'garbage']],
      ['1-2', null],
      ['1-3', ['t', 'J', 'at', 'soon', 'ids', '1:1']],
      entry('J', T0, '0:5,5:0,-1:6,x:7,9007199254740993:8'),
    ]);
    expect(writes).toEqual([]);
  });
});
