-- The original ERD's column names, kept by the tables and mapped to short field names in
-- prisma/schema.prisma (@map), plus Payment.concert_schedule_id. Runs on MariaDB 10.11 and MySQL 8.4.
-- Never edit this file once applied: add a new migration instead.
--
-- RENAME COLUMN keeps every row, type, default and AUTO_INCREMENT, and both servers carry a renamed
-- column into the foreign keys that use it, on either side. Index and foreign-key names are renamed
-- to Prisma's defaults for the new columns, so that drift.test.ts keeps comparing every name with
-- what Prisma derives instead of a list of exceptions. A foreign key cannot be renamed in place on
-- either server: it is dropped and added again, backed by the same index as before.
-- Reservation.live_seat_id reads only `status` and `seat_id`, which keep their names, so the
-- generated column and its UNIQUE index (the no-double-booking guard) are untouched.

-- User, Concert, Concert_Schedule: the primary keys that other tables reference.
ALTER TABLE `User` RENAME COLUMN `id` TO `user_id`, RENAME COLUMN `name` TO `user_name`;
ALTER TABLE `Concert` RENAME COLUMN `id` TO `concert_id`, RENAME COLUMN `name` TO `concert_name`;
ALTER TABLE `Concert_Schedule` RENAME COLUMN `id` TO `concert_schedule_id`;

-- Seat
ALTER TABLE `Seat` DROP FOREIGN KEY `Seat_schedule_id_fkey`;
ALTER TABLE `Seat`
    RENAME COLUMN `id` TO `seat_id`,
    RENAME COLUMN `schedule_id` TO `concert_schedule_id`,
    RENAME COLUMN `price` TO `seat_price`,
    RENAME INDEX `Seat_schedule_id_seat_no_key` TO `Seat_concert_schedule_id_seat_no_key`;
ALTER TABLE `Seat` ADD CONSTRAINT `Seat_concert_schedule_id_fkey` FOREIGN KEY (`concert_schedule_id`) REFERENCES `Concert_Schedule`(`concert_schedule_id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Reservation: seat_price is the seat's price when it was held.
ALTER TABLE `Reservation` DROP FOREIGN KEY `Reservation_schedule_id_fkey`;
ALTER TABLE `Reservation`
    RENAME COLUMN `id` TO `reservation_id`,
    RENAME COLUMN `schedule_id` TO `concert_schedule_id`,
    RENAME COLUMN `price` TO `seat_price`,
    RENAME INDEX `Reservation_user_id_schedule_id_status_idx` TO `Reservation_user_id_concert_schedule_id_status_idx`,
    RENAME INDEX `Reservation_schedule_id_status_idx` TO `Reservation_concert_schedule_id_status_idx`;
ALTER TABLE `Reservation` ADD CONSTRAINT `Reservation_concert_schedule_id_fkey` FOREIGN KEY (`concert_schedule_id`) REFERENCES `Concert_Schedule`(`concert_schedule_id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Payment gains the ERD's concert_schedule_id: the schedule of its reservations when they are all on
-- one date, NULL when they span several dates of the concert (one value would be false then; the
-- per-reservation link Reservation.payment_id -> concert_schedule_id is the complete record).
ALTER TABLE `Payment`
    RENAME COLUMN `id` TO `payment_id`,
    ADD COLUMN `concert_schedule_id` INTEGER NULL AFTER `user_id`,
    ADD INDEX `Payment_concert_schedule_id_idx`(`concert_schedule_id`);
-- Payments made before this migration get the same rule from the reservations they paid for.
UPDATE `Payment` p
  JOIN (SELECT `payment_id`, MIN(`concert_schedule_id`) AS `only_schedule_id`
          FROM `Reservation`
         WHERE `payment_id` IS NOT NULL
         GROUP BY `payment_id`
        HAVING COUNT(DISTINCT `concert_schedule_id`) = 1) paid ON paid.`payment_id` = p.`payment_id`
   SET p.`concert_schedule_id` = paid.`only_schedule_id`;
ALTER TABLE `Payment` ADD CONSTRAINT `Payment_concert_schedule_id_fkey` FOREIGN KEY (`concert_schedule_id`) REFERENCES `Concert_Schedule`(`concert_schedule_id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Balance: amount becomes the ERD's value. MySQL refuses to rename a column that a CHECK reads, so the
-- check is dropped, the column renamed and the check added again under the new column's name.
ALTER TABLE `Balance` DROP CONSTRAINT `Balance_amount_check`;
ALTER TABLE `Balance` RENAME COLUMN `amount` TO `value`;
ALTER TABLE `Balance` ADD CONSTRAINT `Balance_value_check` CHECK (`value` >= 0);

-- Queue: token_uuid keeps its BIGINT. The token's identifier is the room's server-side sequence
-- number, not a random UUID, because its order is the queue's order; a UUID carries no order.
ALTER TABLE `Queue`
    RENAME COLUMN `id` TO `queue_id`,
    RENAME COLUMN `token_seq` TO `token_uuid`,
    RENAME INDEX `Queue_concert_id_token_seq_key` TO `Queue_concert_id_token_uuid_key`;
