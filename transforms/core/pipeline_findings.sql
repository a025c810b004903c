-- Row-level findings the pipeline itself makes, before any configured check:
-- records whose clinic cannot be resolved, exact duplicates, versions that a
-- later correction supersedes, and versions of an older delivery than the one
-- published. All are errors: such rows are quarantined.
with records as not materialized (
    -- read in place by each reader below: a CTE read three times would be copied whole (every
    -- record of the run, which for a backfill's month does not fit in memory)
    {{#kinds union all}}
    select
        '{{kind}}' as kind, record_key, key_hash, content_hash, source_file, source_line,
        unresolved_reason,
    from work.{{kind}}
    {{/kinds}}
),

published as (
    -- Only the published rows with this run's keys (published_matches), not the whole history.
    select kind, record_key, key_hash, content_hash, batch_id, source_file from work.published_matches
),

repeated as (
    -- Most records come once per run; only the keys delivered more than once need ranking
    -- (two sorts of every row of a backfill cost more than this count). Counted by key_hash, an
    -- integer, per kind: grouping a backfill's record keys as strings outgrew memory and spilled.
    -- A hash shared by two keys only makes both ranked below, each in its own partition.
    {{#kinds union all}}
    select '{{kind}}' as kind, key_hash from work.{{kind}} group by key_hash having count(*) > 1
    {{/kinds}}
),

ranked as (
    -- Files apply in name order (vendors name them by delivery time), lines in file order:
    -- the last version of a record in this run is the one that counts.
    select
        *,
        row_number() over latest as recency,
        first_value(source_file) over latest as final_file,
        first_value(source_line) over latest as final_line,
        first_value(content_hash) over latest as final_hash,
        -- where this exact content first appeared: a later copy of it is a re-send
        first_value(source_file) over same_content as first_file,
        first_value(source_line) over same_content as first_line,
    from records
    semi join repeated using (kind, key_hash)
    window
        latest as (partition by kind, record_key order by source_file desc, source_line desc),
        same_content as (partition by kind, record_key, content_hash order by source_file, source_line)
),

latest as (
    -- the version of each already published record that this run would publish: its last in
    -- file order. Only the run's records whose key is published are ranked (none in a backfill).
    select kind, record_key, content_hash, source_file, source_line
    from records
    semi join published using (kind, key_hash)
    qualify row_number() over (partition by kind, record_key order by source_file desc, source_line desc) = 1
),

unresolved as (
    select kind, record_key, source_file, source_line,
        -- a CPR number in the clinic reference is a finding of its own: a privacy finding, also
        -- where no register is given to resolve clinics against (fangst lab-quality)
        case when unresolved_reason = 'a CPR number or replacement number appears in this field'
            then 'pipeline.clinic_cpr' else 'pipeline.clinic_unresolved' end as check_id,
        'error' as severity, 'sor_code' as column_name, unresolved_reason as reason,
    from records
    where unresolved_reason is not null
),

in_run as (
    -- An older version is a duplicate when the same content came before it (a re-send) or is
    -- the final version itself; otherwise a later correction supersedes it.
    select kind, record_key, source_file, source_line,
        case
            when source_file <> first_file or source_line <> first_line then 'pipeline.duplicate'
            when content_hash = final_hash then 'pipeline.duplicate'
            else 'pipeline.superseded'
        end as check_id,
        'error' as severity,
        null as column_name,
        case
            when source_file <> first_file or source_line <> first_line
                then 'exact duplicate of ' || first_file || ' line ' || first_line
            when content_hash = final_hash then 'exact duplicate of ' || final_file || ' line ' || final_line
            else 'superseded by a correction in ' || final_file || ' line ' || final_line
        end as reason,
    from ranked
    where recency > 1
),

already_published as (
    select latest.kind, latest.record_key, latest.source_file, latest.source_line,
        'pipeline.duplicate' as check_id,
        'error' as severity,
        null as column_name,
        'identical to the record already published in batch ' || published.batch_id as reason,
    from latest
    join published on published.kind = latest.kind and published.record_key = latest.record_key
    where published.content_hash = latest.content_hash
),

older_delivery as (
    -- A version from a file dated before the one the published version came from (the dates in
    -- the file names, by which runs are planned: ingest/plan-runs.ts) is no correction: an old
    -- month delivered again under another name or form (gzipped, re-saved with other line ends)
    -- would otherwise publish the versions a later month corrected. Names without a date order
    -- nothing.
    select latest.kind, latest.record_key, latest.source_file, latest.source_line,
        'pipeline.older_delivery' as check_id,
        'error' as severity,
        null as column_name,
        'an older delivery than the version published from ' || published.source_file || ' (batch ' || published.batch_id
            || '): a file of an earlier date delivered again does not replace a later one' as reason,
    from latest
    join published on published.kind = latest.kind and published.record_key = latest.record_key
    where published.content_hash <> latest.content_hash
        and delivery_older(latest.source_file, published.source_file)
),

retired_specialty as (
    -- Specialty 8 was split into 81/82/83 in Oct/Nov 2025. A register row still saying 8 is
    -- re-coded from its sub-specialty (stg_clinics); say so, and warn louder when it has none.
    select 'register' as kind, null as record_key, source_file, source_line,
        'pipeline.specialty_8' as check_id, 'warn' as severity, 'specialty' as column_name,
        case
            when try_cast(trim(subspecialty) as integer) in (81, 82, 83)
                then 'registered under the retired specialty 8; re-coded to ' || trim(subspecialty) || ' from Underspeciale'
            else 'registered under the retired specialty 8 with no sub-specialty (81, 82 or 83): stays 8'
        end as reason,
    from staging.raw_register
    anti join (select file_hash, source_line from staging.parse_rejects where kind = 'register') as rejected
        using (file_hash, source_line)
    where try_cast(trim(specialty) as integer) = 8
),

final as (
    select * from unresolved
    union all select * from in_run
    union all select * from already_published
    union all select * from older_delivery
    union all select * from retired_specialty
)

select * from final
