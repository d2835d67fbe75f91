-- Hand-written to match prisma/schema.prisma (the schema engine is not available on the dev/CI
-- machines); packages/db/test/drift.test.ts proves that they agree. Runs on MariaDB 10.11 and
-- MySQL 8.4. Never edit this file once applied: add a new migration instead.

-- CreateTable
CREATE TABLE `User` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` VARCHAR(100) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Concert` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `name` VARCHAR(200) NOT NULL,

    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Concert_Schedule` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `concert_id` INTEGER NOT NULL,
    `play_date` DATE NOT NULL,

    UNIQUE INDEX `Concert_Schedule_concert_id_play_date_key`(`concert_id`, `play_date`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Seat` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `schedule_id` INTEGER NOT NULL,
    `seat_no` VARCHAR(16) NOT NULL,
    `price` BIGINT NOT NULL,

    UNIQUE INDEX `Seat_schedule_id_seat_no_key`(`schedule_id`, `seat_no`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
-- live_seat_id is not something Prisma can generate: it is the seat while the reservation is live
-- (PROGRESS or COMPLETED) and NULL once EXPIRED. Its UNIQUE index lets at most one live
-- reservation exist per seat, enforced by the database whatever the application does.
CREATE TABLE `Reservation` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `schedule_id` INTEGER NOT NULL,
    `seat_id` INTEGER NOT NULL,
    `price` BIGINT NOT NULL,
    `status` ENUM('PROGRESS', 'COMPLETED', 'EXPIRED') NOT NULL DEFAULT 'PROGRESS',
    `expires_at` DATETIME(3) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `confirmed_at` DATETIME(3) NULL,
    `payment_id` INTEGER NULL,
    `live_seat_id` INTEGER GENERATED ALWAYS AS (IF(`status` IN ('PROGRESS', 'COMPLETED'), `seat_id`, NULL)) STORED,

    UNIQUE INDEX `Reservation_live_seat_id_key`(`live_seat_id`),
    INDEX `Reservation_user_id_schedule_id_status_idx`(`user_id`, `schedule_id`, `status`),
    INDEX `Reservation_status_expires_at_idx`(`status`, `expires_at`),
    INDEX `Reservation_schedule_id_status_idx`(`schedule_id`, `status`),
    INDEX `Reservation_seat_id_idx`(`seat_id`),
    INDEX `Reservation_payment_id_idx`(`payment_id`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Payment` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `amount` BIGINT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `Payment_user_id_idx`(`user_id`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
-- The CHECK is the database's own refusal of a negative balance; Prisma cannot express it.
CREATE TABLE `Balance` (
    `user_id` INTEGER NOT NULL,
    `amount` BIGINT NOT NULL DEFAULT 0,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`user_id`),
    CONSTRAINT `Balance_amount_check` CHECK (`amount` >= 0)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Balance_Ledger` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `kind` ENUM('CHARGE', 'PAYMENT') NOT NULL,
    `amount` BIGINT NOT NULL,
    `balance_after` BIGINT NOT NULL,
    `payment_id` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `Balance_Ledger_user_id_id_idx`(`user_id`, `id`),
    INDEX `Balance_Ledger_payment_id_idx`(`payment_id`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Idempotency_Key` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `endpoint` VARCHAR(32) NOT NULL,
    `idem_key` VARCHAR(64) NOT NULL,
    `request_hash` CHAR(64) NOT NULL,
    `status_code` INTEGER NOT NULL,
    `response_body` TEXT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `Idempotency_Key_user_id_endpoint_idem_key_key`(`user_id`, `endpoint`, `idem_key`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Queue` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `concert_id` INTEGER NOT NULL,
    `user_id` INTEGER NOT NULL,
    `token_seq` BIGINT NOT NULL,
    `status` ENUM('WAITING', 'ACTIVE', 'EXPIRED') NOT NULL DEFAULT 'WAITING',
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `admitted_at` DATETIME(3) NULL,
    `expired_at` DATETIME(3) NULL,

    UNIQUE INDEX `Queue_concert_id_token_seq_key`(`concert_id`, `token_seq`),
    INDEX `Queue_concert_id_status_idx`(`concert_id`, `status`),
    INDEX `Queue_user_id_idx`(`user_id`),
    PRIMARY KEY (`id`)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Concert_Schedule` ADD CONSTRAINT `Concert_Schedule_concert_id_fkey` FOREIGN KEY (`concert_id`) REFERENCES `Concert`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Seat` ADD CONSTRAINT `Seat_schedule_id_fkey` FOREIGN KEY (`schedule_id`) REFERENCES `Concert_Schedule`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Reservation` ADD CONSTRAINT `Reservation_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Reservation` ADD CONSTRAINT `Reservation_schedule_id_fkey` FOREIGN KEY (`schedule_id`) REFERENCES `Concert_Schedule`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Reservation` ADD CONSTRAINT `Reservation_seat_id_fkey` FOREIGN KEY (`seat_id`) REFERENCES `Seat`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Reservation` ADD CONSTRAINT `Reservation_payment_id_fkey` FOREIGN KEY (`payment_id`) REFERENCES `Payment`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Payment` ADD CONSTRAINT `Payment_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Balance` ADD CONSTRAINT `Balance_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Balance_Ledger` ADD CONSTRAINT `Balance_Ledger_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Balance_Ledger` ADD CONSTRAINT `Balance_Ledger_payment_id_fkey` FOREIGN KEY (`payment_id`) REFERENCES `Payment`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE `Queue` ADD CONSTRAINT `Queue_concert_id_fkey` FOREIGN KEY (`concert_id`) REFERENCES `Concert`(`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;
