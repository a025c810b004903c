-- One row per lab result read from the extract, with whether it is usable: parsed into a
-- number, a censored value or a qualitative answer, and without an error finding of any check
-- (the pipeline's, the engine's or the lab checks'). Rows rejected while reading (meta.rejects)
-- count as read and not usable. Needs quality.row_findings of this run (getvariable('run_id')).
with results as (
    select * from lab.results
),

errors as (
    select distinct source_file, source_line
    from quality.row_findings
    where run_id = getvariable('run_id') and kind = 'laboratoriesvar' and severity = 'error'
),

inputs as (
    select * from lab.inputs
),

rejected as (
    select r.source_file, r.source_line, any_value(i.journal_system) as journal_system
    from meta.rejects as r
    join inputs as i using (file_hash)
    where r.run_id = getvariable('run_id') and r.source_line is not null and i.role <> 'register'
    group by all
),

final as (
    select
        results.source_file,
        results.source_line,
        results.journal_system,
        results.clinic,
        coalesce(results.catalogue_code, results.analysis_code) as analysis,
        coalesce(results.catalogue_name, results.analysis_name, results.analysis_code) as analysis_name,
        results.value_state,
        results.code_status,
        results.unit_status,
        case
            when errors.source_line is not null then 'unusable'
            when results.value_state = 'pending' then 'pending'
            when results.value_state in ('numeric', 'censored', 'qualitative') then 'usable'
            else 'unusable'
        end as status,
    from results
    left join errors using (source_file, source_line)
    union all
    select source_file, source_line, journal_system, null, null, null, null, null, null, 'rejected'
    from rejected
)

select * from final
