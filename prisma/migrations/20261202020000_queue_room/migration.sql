-- The waiting rooms' configuration, copied from Redis by the booking API's journal worker, so that a
-- Redis that lost its data can be given its open rooms back (with the Queue journal's tokens). No
-- foreign key to Concert: like Queue.user_id, the gateway opens a room for the id it is given.
CREATE TABLE `Queue_Room` (
    `concert_id` INTEGER NOT NULL,
    `max_active` INTEGER NOT NULL,
    `admit_per_second` INTEGER NOT NULL,
    `active_ttl_seconds` INTEGER NOT NULL,
    `idle_timeout_seconds` INTEGER NOT NULL,
    `max_waiting` INTEGER NOT NULL,
    `is_open` BOOLEAN NOT NULL DEFAULT true,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`concert_id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
