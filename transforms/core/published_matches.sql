-- The published rows that this run's records may repeat or replace, found without reading
-- the history's rows: the run's keys are probed against key_hash (one integer column of
-- core, see db/schema/004), and only the rows that match are read. A night then costs a scan
-- of that column plus its own rows, not a scan of every record key ever published.
-- A hash match is a candidate: readers compare record_key (pipeline_findings joins on it,
-- publish/accept.ts deletes only the candidates whose record_key the run accepts). rid is the
-- row id, valid for the run's transaction, in which nothing else deletes from core.
-- `where random() < 2` (always true: random() is in [0, 1)) on each probe's build side: DuckDB
-- 1.5 pushes a join's bloom filter into the scan of core only when the build side has a filter
-- (an `is not null` is proven true by the statistics and dropped; a volatile one is kept). With
-- it, the scan drops the rows whose key_hash is not among the run's before the join: at scale 10
-- the join probed ~49 M rows of core.diagnoser, now ~0.2 M, about half the CPU of the lookup.
with diagnoser_hits as (
    select rowid as rid from core.diagnoser
    where key_hash in (select key_hash from work.diagnoser where random() < 2)
    -- a row written without key_hash (by hand, by a test) is found by its key; DuckDB skips
    -- the row groups whose statistics say they hold no null key_hash, so this costs nothing
    union all select rowid from core.diagnoser where key_hash is null and record_key in (select record_key from work.diagnoser)
),

epikriser_hits as (
    select rowid as rid from core.epikriser
    where key_hash in (select key_hash from work.epikriser where random() < 2)
    union all select rowid from core.epikriser where key_hash is null and record_key in (select record_key from work.epikriser)
),

billeddiagnostiske_epikriser_hits as (
    select rowid as rid from core.billeddiagnostiske_epikriser
    where key_hash in (select key_hash from work.billeddiagnostiske_epikriser where random() < 2)
    union all select rowid from core.billeddiagnostiske_epikriser where key_hash is null and record_key in (select record_key from work.billeddiagnostiske_epikriser)
),

notater_hits as (
    select rowid as rid from core.notater
    where key_hash in (select key_hash from work.notater where random() < 2)
    union all select rowid from core.notater where key_hash is null and record_key in (select record_key from work.notater)
),

laboratoriesvar_hits as (
    select rowid as rid from core.laboratoriesvar
    where key_hash in (select key_hash from work.laboratoriesvar where random() < 2)
    union all select rowid from core.laboratoriesvar where key_hash is null and record_key in (select record_key from work.laboratoriesvar)
),

final as (
    -- Fetching by row id in a second step lets DuckDB skip to the hits' vectors (an IN filter
    -- on rowid while a kind has few hits) instead of decoding the strings of every row.
    -- key_hash from the key itself, also for a row stored without one (pipeline_findings joins on it).
    -- source_file/source_line name the row that a correction replaces (publish/accept.ts), so
    -- nothing has to join core by row id, which would read those columns of the whole history.
    select 'diagnoser' as kind, rowid as rid, record_key, (md5_number(record_key) >> 64)::ubigint as key_hash, content_hash, batch_id, source_file, source_line from core.diagnoser
    where rowid in (select rid from diagnoser_hits)
    union all select 'epikriser', rowid, record_key, (md5_number(record_key) >> 64)::ubigint, content_hash, batch_id, source_file, source_line from core.epikriser
    where rowid in (select rid from epikriser_hits)
    union all select 'billeddiagnostiske_epikriser', rowid, record_key, (md5_number(record_key) >> 64)::ubigint, content_hash, batch_id, source_file, source_line from core.billeddiagnostiske_epikriser
    where rowid in (select rid from billeddiagnostiske_epikriser_hits)
    union all select 'notater', rowid, record_key, (md5_number(record_key) >> 64)::ubigint, content_hash, batch_id, source_file, source_line from core.notater
    where rowid in (select rid from notater_hits)
    union all select 'laboratoriesvar', rowid, record_key, (md5_number(record_key) >> 64)::ubigint, content_hash, batch_id, source_file, source_line from core.laboratoriesvar
    where rowid in (select rid from laboratoriesvar_hits)
)

select * from final
