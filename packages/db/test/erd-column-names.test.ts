// The migration that gives the tables the original ERD's column names runs on databases that already
// hold sales. drift.test.ts proves the shape of a fresh database; this test proves that an upgraded
// one keeps every row, fills Payment.concert_schedule_id by the payment service's rule, and that the
// database's own guards (live_seat_id's UNIQUE index, the balance CHECK, the foreign keys) still bite.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../src/migrate.ts';
import { copyMigrationsDir, dropDatabase, getTestDatabaseUrl, queryDatabase } from './helpers.ts';

const MIGRATION = '20261201210000_original_erd_column_names';
const url = getTestDatabaseUrl('erd_column_names');

beforeAll(async () => {
  await dropDatabase(url);
  // The schema as it was before this migration.
  const before = await copyMigrationsDir();
  try {
    await rm(join(before.dir, MIGRATION), { recursive: true });
    await applyMigrations(url, { migrationsDir: before.dir });
  } finally {
    await before.remove();
  }

  // Data written with the old column names: two dates of one concert, payment 1 on one date, payment 2
  // across both, a live hold and an expired one, and the queue journal.
  const statements = [
    "INSERT INTO `User` (id, name) VALUES (1, 'alice'), (2, 'bob')",
    "INSERT INTO Concert (id, name) VALUES (7, 'upgrade test')",
    "INSERT INTO Concert_Schedule (id, concert_id, play_date) VALUES (10, 7, '2030-01-01'), (11, 7, '2030-01-02')",
    `INSERT INTO Seat (id, schedule_id, seat_no, price)
     VALUES (100, 10, 'A1', 50000), (101, 10, 'A2', 60000), (102, 11, 'A1', 70000), (103, 11, 'A2', 80000),
            (104, 10, 'A3', 90000)`,
    'INSERT INTO Balance (user_id, amount) VALUES (1, 5000), (2, 0)',
    'INSERT INTO Payment (id, user_id, amount) VALUES (1, 1, 110000), (2, 2, 120000)',
    `INSERT INTO Reservation (id, user_id, schedule_id, seat_id, price, status, expires_at, confirmed_at, payment_id)
     VALUES (1000, 1, 10, 100, 50000, 'COMPLETED', '2029-01-01', '2029-01-01', 1),
            (1001, 1, 10, 101, 60000, 'COMPLETED', '2029-01-01', '2029-01-01', 1),
            (1002, 2, 10, 104, 50000, 'EXPIRED', '2029-01-01', NULL, NULL),
            (1003, 2, 10, 104, 50000, 'COMPLETED', '2029-01-01', '2029-01-01', 2),
            (1004, 2, 11, 102, 70000, 'COMPLETED', '2029-01-01', '2029-01-01', 2),
            (1005, 1, 11, 103, 80000, 'PROGRESS', '2099-01-01', NULL, NULL)`,
    "INSERT INTO Queue (id, concert_id, user_id, token_seq, status) VALUES (1, 7, 1, 1, 'EXPIRED'), (2, 7, 2, 2, 'ACTIVE')",
  ];
  for (const sql of statements) await queryDatabase(url, sql);

  const result = await applyMigrations(url);
  expect(result.applied).toEqual([MIGRATION]);
});

afterAll(async () => {
  await dropDatabase(url);
});

describe('the ERD column names migration on a database with data', () => {
  it('keeps every row under the new column names', async () => {
    expect(await queryDatabase(url, 'SELECT user_id, user_name FROM `User` ORDER BY user_id')).toEqual([
      { user_id: 1, user_name: 'alice' },
      { user_id: 2, user_name: 'bob' },
    ]);
    expect(await queryDatabase(url, 'SELECT concert_id, concert_name FROM Concert')).toEqual([
      { concert_id: 7, concert_name: 'upgrade test' },
    ]);
    expect(
      await queryDatabase(
        url,
        `SELECT concert_schedule_id, concert_id, DATE_FORMAT(play_date, '%Y-%m-%d') AS play_date
           FROM Concert_Schedule ORDER BY concert_schedule_id`,
      ),
    ).toEqual([
      { concert_schedule_id: 10, concert_id: 7, play_date: '2030-01-01' },
      { concert_schedule_id: 11, concert_id: 7, play_date: '2030-01-02' },
    ]);
    expect(
      await queryDatabase(
        url,
        'SELECT seat_id, concert_schedule_id, seat_no, CAST(seat_price AS CHAR) AS seat_price FROM Seat ORDER BY seat_id',
      ),
    ).toEqual([
      { seat_id: 100, concert_schedule_id: 10, seat_no: 'A1', seat_price: '50000' },
      { seat_id: 101, concert_schedule_id: 10, seat_no: 'A2', seat_price: '60000' },
      { seat_id: 102, concert_schedule_id: 11, seat_no: 'A1', seat_price: '70000' },
      { seat_id: 103, concert_schedule_id: 11, seat_no: 'A2', seat_price: '80000' },
      { seat_id: 104, concert_schedule_id: 10, seat_no: 'A3', seat_price: '90000' },
    ]);
    expect(
      await queryDatabase(
        url,
        'SELECT user_id, CAST(`value` AS CHAR) AS value FROM Balance ORDER BY user_id',
      ),
    ).toEqual([
      { user_id: 1, value: '5000' },
      { user_id: 2, value: '0' },
    ]);
    expect(
      await queryDatabase(
        url,
        `SELECT reservation_id, concert_schedule_id, seat_id, CAST(seat_price AS CHAR) AS seat_price, status,
                payment_id, live_seat_id
           FROM Reservation ORDER BY reservation_id`,
      ),
    ).toEqual([
      {
        reservation_id: 1000,
        concert_schedule_id: 10,
        seat_id: 100,
        seat_price: '50000',
        status: 'COMPLETED',
        payment_id: 1,
        live_seat_id: 100,
      },
      {
        reservation_id: 1001,
        concert_schedule_id: 10,
        seat_id: 101,
        seat_price: '60000',
        status: 'COMPLETED',
        payment_id: 1,
        live_seat_id: 101,
      },
      {
        reservation_id: 1002,
        concert_schedule_id: 10,
        seat_id: 104,
        seat_price: '50000',
        status: 'EXPIRED',
        payment_id: null,
        live_seat_id: null,
      },
      {
        reservation_id: 1003,
        concert_schedule_id: 10,
        seat_id: 104,
        seat_price: '50000',
        status: 'COMPLETED',
        payment_id: 2,
        live_seat_id: 104,
      },
      {
        reservation_id: 1004,
        concert_schedule_id: 11,
        seat_id: 102,
        seat_price: '70000',
        status: 'COMPLETED',
        payment_id: 2,
        live_seat_id: 102,
      },
      {
        reservation_id: 1005,
        concert_schedule_id: 11,
        seat_id: 103,
        seat_price: '80000',
        status: 'PROGRESS',
        payment_id: null,
        live_seat_id: 103,
      },
    ]);
    expect(
      await queryDatabase(
        url,
        'SELECT CAST(queue_id AS CHAR) AS queue_id, CAST(token_uuid AS CHAR) AS token_uuid, status FROM Queue ORDER BY queue_id',
      ),
    ).toEqual([
      { queue_id: '1', token_uuid: '1', status: 'EXPIRED' },
      { queue_id: '2', token_uuid: '2', status: 'ACTIVE' },
    ]);
  });

  it("fills the payments' concert_schedule_id: the date of a one-date payment, NULL across dates", async () => {
    expect(
      await queryDatabase(url, 'SELECT payment_id, concert_schedule_id FROM Payment ORDER BY payment_id'),
    ).toEqual([
      { payment_id: 1, concert_schedule_id: 10 },
      { payment_id: 2, concert_schedule_id: null },
    ]);
  });

  it('keeps AUTO_INCREMENT going past the existing ids', async () => {
    await queryDatabase(url, "INSERT INTO `User` (user_name) VALUES ('carol')");
    const [row] = await queryDatabase<{ user_id: number }>(
      url,
      "SELECT user_id FROM `User` WHERE user_name = 'carol'",
    );
    expect(row?.user_id).toBe(3);
  });

  it('still refuses a second live reservation for a seat, through live_seat_id', async () => {
    await expect(
      queryDatabase(
        url,
        `INSERT INTO Reservation (user_id, concert_schedule_id, seat_id, seat_price, status, expires_at)
         VALUES (2, 11, 103, 80000, 'PROGRESS', '2099-01-01')`,
      ),
    ).rejects.toThrow(/Duplicate entry .*Reservation_live_seat_id_key/);
  });

  it('still refuses a negative balance, under the renamed check', async () => {
    await expect(
      queryDatabase(url, 'UPDATE Balance SET `value` = `value` - 5001 WHERE user_id = 1'),
    ).rejects.toThrow(/Balance_value_check/);
  });

  it('still enforces the foreign keys on the renamed columns, both ways', async () => {
    // A seat of an unknown schedule, and a payment of an unknown schedule.
    await expect(
      queryDatabase(url, "INSERT INTO Seat (concert_schedule_id, seat_no, seat_price) VALUES (999, 'Z1', 1)"),
    ).rejects.toThrow(/Seat_concert_schedule_id_fkey/);
    await expect(
      queryDatabase(url, 'INSERT INTO Payment (user_id, concert_schedule_id, amount) VALUES (1, 999, 1)'),
    ).rejects.toThrow(/Payment_concert_schedule_id_fkey/);
    // RESTRICT on the referenced side: a schedule with seats and payments, a paying user.
    await expect(
      queryDatabase(url, 'DELETE FROM Concert_Schedule WHERE concert_schedule_id = 10'),
    ).rejects.toThrow(/foreign key constraint fails/);
    await expect(queryDatabase(url, 'DELETE FROM `User` WHERE user_id = 2')).rejects.toThrow(
      /foreign key constraint fails/,
    );
  });
});
