-- Every flagged lab row with all its reasons: each finding of this run (pipeline, engine and lab
-- checks) with the lab layer's per-row detail where it has one, plus the rows rejected while
-- reading. One row per source line. Holds patient pseudonyms: for analysts, not for sharing.
with findings as (
    select * from quality.row_findings
    where run_id = getvariable('run_id') and kind = 'laboratoriesvar'
),

details as (
    select * from lab.row_findings
),

results as (
    select * from lab.results
),

rejects as (
    select r.*
    from meta.rejects as r
    join lab.inputs as i using (file_hash)
    where r.run_id = getvariable('run_id') and r.source_line is not null and i.role <> 'register'
),

explained as (
    select
        f.source_file, f.source_line, f.check_id, f.severity,
        -- the lab layer's detail names the column it found (a check of two times declares one)
        coalesce(d.column_name, f.column_name) as column_name,
        -- the column first, as for the rows rejected while reading: a CPR check's reason says
        -- "this field", and a row may have findings in several
        coalesce(coalesce(d.column_name, f.column_name) || ': ', '') || coalesce(d.detail, f.reason) as reason,
    from findings as f
    left join details as d on d.source_file = f.source_file and d.source_line = f.source_line and d.check_id = f.check_id
),

reasons as (
    -- a row's findings gathered by its key alone, sorted as a list (severity, then check), and
    -- joined to the result once: grouping by every column of the result, with an ordered
    -- aggregate per list, is far dearer
    select
        source_file, source_line,
        bool_or(severity = 'error') as unusable,
        list_sort(list({'severity': severity, 'check_id': check_id, 'reason': reason})) as found,
    from explained
    group by source_file, source_line
),

flagged as (
    select
        r.source_file, r.source_line, r.record_key, r.journal_system, r.clinic, r.patient,
        r.analysis_code, r.analysis_name,
        -- a censored value with its comparator (FHIR gives it apart from the number: <5, not 5)
        case when r.comparator in ('<', '<=', '>', '>=') and not starts_with(r.value_text, r.comparator)
            then r.comparator || r.value_text else r.value_text end as value_text,
        r.unit, r.value_state, r.value_canonical, r.canonical_unit,
        r.ref_low, r.ref_high, r.abnormal_flag, r.result_status, r.sampled_at, r.resulted_at,
        e.unusable,
        list_transform(e.found, f -> f.check_id) as check_ids,
        list_transform(e.found, f -> f.severity) as severities,
        list_transform(e.found, f -> f.reason) as reasons,
    from reasons as e
    join results as r using (source_file, source_line)
),

rejected as (
    select
        source_file, source_line, null::varchar as record_key, null::varchar as journal_system, null::varchar as clinic,
        null::varchar as patient, null::varchar as analysis_code, null::varchar as analysis_name, null::varchar as value_text,
        null::varchar as unit, null::varchar as value_state, null::double as value_canonical, null::varchar as canonical_unit,
        null::double as ref_low, null::double as ref_high, null::varchar as abnormal_flag, null::varchar as result_status,
        null::timestamptz as sampled_at, null::timestamptz as resulted_at,
        true as unusable,
        list('rejected' order by column_name) as check_ids,
        list('error' order by column_name) as severities,
        list(coalesce(column_name || ': ', '') || reason || coalesce(' (found "' || raw_value || '")', '') order by column_name) as reasons,
    from rejects
    group by source_file, source_line
),

final as (
    select * from flagged
    union all
    select * from rejected
    order by source_file, source_line
)

select * from final
