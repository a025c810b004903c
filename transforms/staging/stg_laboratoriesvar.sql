-- This run's lab results, cleaned. The value is kept exactly as delivered
-- (value_text) beside its parse: number, comparator for censored values
-- ("<5" is comparator '<' and 5, never just 5), or a qualitative answer, each
-- distinct value parsed once (stg_lab_values).
-- materialised: view (read once in full, by the core model; a table would copy every row)
with raw as (
    select * from staging.raw_laboratoriesvar
),

parsed_values as (
    select * from staging.stg_lab_values
),

parsed as (
    select
        raw.*,
        p.v,
    from raw
    left join parsed_values as p
        on p.value is not distinct from raw.value
        and p.operator is not distinct from raw.operator
        and p.decimal_sep is not distinct from raw.decimal_sep
        and p.result_status is not distinct from raw.result_status
),

final as (
    select
        run_id, file_hash, source_file, source_line, journal_system,
        unnest(delivered_record(record_id, sor_code, ydernummer, patient)),
        upper(nullif(trim(analysis_code), '')) as analysis_code,
        case
            when upper(trim(analysis_code)) similar to 'NPU[0-9]{5}' then 'NPU'
            when upper(trim(analysis_code)) similar to 'DNK[0-9]{5}' then 'DNK'
            else coalesce(nullif(trim(code_system), ''), 'local')
        end as code_system,
        nullif(trim(analysis_name), '') as analysis_name,
        -- a number whose digits are a CPR number is kept masked: the detector does not read it
        -- in every notation a number has ('1.503851037E9')
        case when v.identifier then '[CPR]' else value end as value_text,
        v.num as value_num,
        v.comparator,
        v.state as value_state,
        nullif(trim(unit), '') as unit,
        ref_low__parsed as ref_low,
        ref_high__parsed as ref_high,
        nullif(trim(ref_text), '') as ref_text,
        nullif(trim(abnormal_flag), '') as abnormal_flag,
        nullif(trim(result_status), '') as result_status,
        sampled_at__parsed as sampled_at,
        resulted_at__parsed as resulted_at,
    from parsed
)

select * from final
