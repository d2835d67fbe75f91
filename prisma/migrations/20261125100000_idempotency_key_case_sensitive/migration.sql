-- Idempotency keys are case-sensitive: `abcDEF` and `ABCdef` are two keys. The table's collation
-- (utf8mb4_unicode_ci) compared them as one, so a new charge under a different key was answered as
-- a replay of the old one and silently dropped. Keys are printable ASCII (the API checks it).
ALTER TABLE `Idempotency_Key` MODIFY `idem_key` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
