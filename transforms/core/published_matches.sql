-- The published rows that this run's records may repeat or replace, found without reading
-- the history's rows: the run's keys are probed against key_hash (one integer column of
-- core, see db/schema/004), and only the rows that match are read. A night then costs a scan
-- of that column plus its own rows, not a scan of every record key ever published.
-- A hash match is a candidate: readers compare record_key (pipeline_findings joins on it,
-- publish/accept.ts deletes only the candidates whose record_key the run accepts). rid is the
-- row id, valid for the run's transaction, in which nothing else deletes from core.
-- join_filter_hint() on each probe's build side lets DuckDB filter the scan of core by the
-- run's keys before the join (macros/join_filter_hint.sql).
-- Rows are fetched by row id in a second step, which lets DuckDB skip to the hits' vectors (an
-- IN filter on rowid while a kind has few hits) instead of decoding the strings of every row.
-- key_hash from the key itself, also for a row stored without one (pipeline_findings joins on
-- it). source_file/source_line name the row that a correction replaces (publish/accept.ts), so
-- nothing has to join core by row id, which would read those columns of the whole history.
with final as (
    {{#kinds union all}}
    select
        '{{kind}}' as kind, rowid as rid, record_key, key_hash(record_key) as key_hash,
        content_hash, batch_id, source_file, source_line,
    from core.{{kind}}
    where rowid in (
        select rowid from core.{{kind}}
        where key_hash in (select key_hash from work.{{kind}} where join_filter_hint())
        -- a row written without key_hash (by hand, by a test) is found by its key; DuckDB skips
        -- the row groups whose statistics say they hold no null key_hash, so this costs nothing
        union all
        select rowid from core.{{kind}}
        where key_hash is null and record_key in (select record_key from work.{{kind}})
    )
    {{/kinds}}
)

select * from final
