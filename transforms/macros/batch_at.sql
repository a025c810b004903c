-- batch_at(batch_id): the time a batch was made, read from its id ('b20261205T211038Z-6cc985',
-- 'lab-20261205T211940Z'), as a UTC timestamp; null for an id without one.
-- Stored in core.<kind>.batch_at (db/schema/007): batches are made in time order, so a scan for
-- one batch's rows (`batch_at = batch_at('b...')`, beside the batch id) skips, by the row groups'
-- min/max statistics, every row group of earlier batches. A batch id cannot do that itself:
-- DuckDB's statistics of a string hold its first 8 bytes, which the ids of nearby days share;
-- nor can a row-id range, which DuckDB applies by reading the row id of every row.
-- Examples: batch_at('b20261205T211038Z-6cc985') = TIMESTAMP '2026-12-05 21:10:38'; batch_at('x') is null.
create or replace macro batch_at(batch_id) as
    try_strptime(regexp_extract(batch_id, '(\d{8}T\d{6})Z', 1), '%Y%m%dT%H%M%S');
