-- Row-level lab findings: one row per (result, check) with the detail an analyst needs to
-- see what is wrong with that row (the code, the unit, the value as delivered). The checks'
-- ids, categories, severities and reasons are declared in config/checks/lab-quality.yaml,
-- whose custom_sql checks select from here, so the quality engine writes them to
-- quality.row_findings and counts them like every other check.
with results as not materialized (
    -- read in place by each finding below: a CTE read this often would otherwise be copied whole
    select * from lab.results
),

shifts as (
    select * from lab.clinic_shifts where shifted
),

clinic_rows as (
    -- Every numeric result of a shifted clinic, and whether it is in the clinic's likely other
    -- unit: all of them where the clinic's whole distribution matches the conversion, else (a
    -- clinic that sent part of its results so) those that the conversion brings nearer the rest.
    select r.row_id, r.clinic, r.analysis_code, r.canonical_unit, s.* exclude (clinic),
        s.likely_unit is not null and (not s.likely_part or abs(case s.likely_direction
            when 'as' then r.value_canonical * s.likely_factor + s.likely_offset
            else (r.value_canonical - s.likely_offset) / s.likely_factor end - s.rest_med) < abs(r.value_canonical - s.rest_med)) as mixup
    from results as r
    join shifts as s on s.analysis = r.catalogue_code and s.clinic = r.clinic
    where r.value_state = 'numeric' and r.value_canonical is not null
),

explained as (
    -- results of a clinic whose distribution is off by a known conversion (of all of them, or of
    -- those in the other unit where it sent only part so): their plausibility in the canonical
    -- unit means nothing, the clinic-level finding says why
    select r.row_id
    from results as r
    join shifts as s on s.analysis = r.catalogue_code and s.clinic = r.clinic and s.likely_unit is not null and not s.likely_part
    union all
    select row_id from clinic_rows where mixup and likely_part
),

reference_modes as (
    -- the interval a clinic most often gives for an analysis in a unit
    select clinic, analysis_code, unit_norm, ref_low, ref_high, n,
        row_number() over (partition by clinic, analysis_code, unit_norm order by n desc, ref_low, ref_high) as rank,
        count(*) over (partition by clinic, analysis_code, unit_norm) as intervals,
    from (
        select clinic, analysis_code, unit_norm, ref_low, ref_high, count(*) as n
        from results
        where ref_low is not null or ref_high is not null
        group by all
    )
),

varied as (
    -- the (clinic, analysis, unit) groups that give more than one interval: few, so the
    -- per-patient counts below only read their rows
    select clinic, analysis_code, unit_norm from reference_modes where rank = 1 and intervals > 1
),

intervals_of_patient as (
    select r.clinic, r.analysis_code, r.unit_norm, r.patient,
        count(distinct coalesce(r.ref_low::varchar, '') || '..' || coalesce(r.ref_high::varchar, '')) as intervals
    from results as r
    semi join varied as v on v.clinic = r.clinic and v.analysis_code = r.analysis_code and v.unit_norm is not distinct from r.unit_norm
    where r.ref_low is not null or r.ref_high is not null
    group by all
),

patients_of_interval as (
    select r.clinic, r.analysis_code, r.unit_norm, r.ref_low, r.ref_high, count(distinct r.patient) as patients
    from results as r
    semi join varied as v on v.clinic = r.clinic and v.analysis_code = r.analysis_code and v.unit_norm is not distinct from r.unit_norm
    where r.ref_low is not null or r.ref_high is not null
    group by all
),

delivering as (
    -- what each journal system (each mapped export) delivers at all: a system that sends no
    -- abnormal flag or no reference interval in any result has no column for it, and a result of
    -- it lacks none (its completeness says 0%)
    select journal_system,
        bool_or(abnormal_flag is not null) as flags,
        bool_or(ref_low is not null or ref_high is not null or ref_text is not null) as intervals,
    from results
    group by journal_system
),

flags as (
    select
        results.*,
        lab_flag(abnormal_flag) as flag,
        case
            -- an interval whose limits are reversed or equal is reference_invalid: no flag is judged against it
            when value_state <> 'numeric' or (ref_low is null and ref_high is null) or ref_low >= ref_high then null
            when ref_high is not null and value_num > ref_high then 'high'
            when ref_low is not null and value_num < ref_low then 'low'
            else 'none'
        end as expected_flag,
    from results
),

code_format as (
    select row_id, 'code_format' as check_name, 'analysis_code' as column_name,
        case
            when upper(code_system) not in ('LOINC', 'LN', 'HTTP://LOINC.ORG') then
                'analysis code ' || analysis_code || ' is not NPU/DNK followed by five digits'
            when regexp_full_match(analysis_code, '[0-9]{1,7}-[0-9]') then
                'LOINC code ' || analysis_code || ' has the wrong check digit: LOINC''s mod 10 of '
                    || split_part(analysis_code, '-', 1) || ' is ' || loinc_check_digit(split_part(analysis_code, '-', 1))
            else 'LOINC code ' || analysis_code || ' is not digits, a hyphen and a check digit (e.g. 2345-7)'
        end as detail
    from results where code_status = 'malformed'
),

code_unknown as (
    select row_id, 'code_unknown', 'analysis_code',
        'analysis code ' || analysis_code || ' is neither in the NPU catalogue nor in the official NPU list'
    from results where code_status = 'unknown'
),

code_retired as (
    select row_id, 'code_retired', 'analysis_code',
        'analysis code ' || analysis_code || ' is retired' || coalesce('; its successor is ' || successor, '')
    from results where code_status = 'retired'
),

unreadable as (
    -- The values no one can read (a word, or nothing), and whether the status or the value says
    -- the analysis was cancelled: then there is no result, rather than one that cannot be read.
    -- Only these rows are keyed: a result with a value is one, whatever its status. lab-quality
    -- sets cancelled records apart before they get here (quality/reports/lab-quality/statuses.ts).
    select r.row_id, r.value_text, r.result_status,
        case
            when list_contains(lab_cancelled_spellings(), lab_status_key(r.result_status)) then 'result_status'
            when list_contains(lab_cancelled_spellings(), lab_status_key(r.value_text)) then 'value'
        end as cancelled_by,
        -- a number written with the other decimal separator than its file's ('5.2' in a
        -- decimal-comma export; '<5.2', '5.2 mmol/L' too), which the parse does not guess at: the
        -- finding says so. A pattern, not the parse: its macro costs more to plan than these few rows to read.
        d.decimal_sep,
        case d.decimal_sep
            when ',' then regexp_full_match(trim(r.value_text), '[<>]?=? ?[+-]?[0-9]+\.[0-9]+(?: ?[^0-9 .,].*)?')
            when '.' then regexp_full_match(trim(r.value_text), '[<>]?=? ?[+-]?[0-9]+,[0-9]+(?: ?[^0-9 .,].*)?')
        end as other_separator,
    from results as r
    left join (select journal_system, any_value(decimal) as decimal_sep from ref.layouts where kind = 'laboratoriesvar' group by journal_system) as d
        on d.journal_system = r.journal_system
    where r.value_state = 'unparseable'
),

result_cancelled as (
    -- the word is a known spelling, no identifier
    select row_id, 'result_cancelled', cancelled_by,
        case when cancelled_by = 'result_status' then 'result_status "' || trim(result_status) else 'value "' || trim(value_text) end
            || '": the analysis was cancelled (not performed or not completed), so there is no result'
    from unreadable where cancelled_by is not null
),

value_unparseable as (
    select row_id, 'value_unparseable', 'value',
        'value "' || coalesce(value_text, '') || '" is neither a number, a censored value nor a known qualitative answer'
            || case when coalesce(other_separator, false) then ': read with ''' || case decimal_sep when ',' then '.' else ',' end
                || ''' as decimal separator it is a number, and its file writes ''' || decimal_sep || ''' (decimal in the layout)' else '' end
    from unreadable where cancelled_by is null
        and not (coalesce(getvariable('lab_value_missing'), false) and nullif(trim(value_text), '') is null)
),

value_missing as (
    -- an empty value is missing, not unparseable; judged apart only where the lab.value_missing
    -- check exists to count it (`fangst lab-quality` sets lab_value_missing)
    -- (a FHIR result may say why: its dataAbsentReason, lab.fhir_results)
    select r.row_id, 'value_missing', 'value',
        case when f.absent_reason is not null then 'no value: dataAbsentReason ' || f.absent_reason else 'no value: the value is empty' end
    from results as r
    left join lab.fhir_results as f on f.source_file = r.source_file and f.source_line = r.source_line
    where coalesce(getvariable('lab_value_missing'), false) and r.value_state = 'unparseable' and nullif(trim(r.value_text), '') is null
),

value_type as (
    select row_id, 'value_type', 'value',
        case
            when result_type = 'numeric' then 'value "' || value_text || '" is qualitative; ' || analysis_code || ' is a numeric analysis'
            else 'value "' || value_text || '" is not one of the answers of ' || analysis_code || ': ' || array_to_string(allowed_values, ', ')
        end
    from results
    where (result_type = 'numeric' and value_state = 'qualitative')
       or (result_type in ('ordinal', 'nominal') and value_state in ('numeric', 'censored', 'qualitative')
           and len(allowed_values) > 0 and not list_contains(allowed_values, coalesce(qualitative, value_text)))
),

unit_not_accepted as (
    select row_id, 'unit_not_accepted', 'unit',
        'unit "' || coalesce(unit, '') || '" is not a unit of ' || analysis_code || ' (canonical: ' || coalesce(nullif(canonical_unit, ''), 'none') || ')'
    from results where unit_status = 'not_accepted'
),

unit_missing as (
    select row_id, 'unit_missing', 'unit',
        'no unit given; ' || analysis_code || ' is in ' || canonical_unit
    from results where unit_status = 'missing'
    union all
    -- a code the catalogue gives no unit for, where other results of it with a value name one:
    -- no unit is no second unit (code_profiles.sql), so it is said here, with the unit they name
    select r.row_id, 'unit_missing', 'unit',
        'no unit given; other results of ' || p.analysis || ' are in ' || p.main_unit || ' (not assumed for this one)'
    from results as r
    join lab.code_profiles as p on p.analysis = r.analysis_code and p.unit_norm is null
    where r.catalogue_code is null and r.unit_norm is null and r.value_state in ('numeric', 'censored')
        and p.main_unit is not null
),

patient_missing as (
    -- kept by `fangst lab-quality` (lab_patient_optional: staging/parse_rejects.sql), where the
    -- nightly job rejects the record
    select row_id, 'patient_missing', 'patient', 'no patient: the result names none'
    from results where patient is null
),

unit_conflict as (
    -- a value written with its unit ('120 g/L') under another unit in the unit column (mmol/L):
    -- the value is read in its own unit (results_valued.sql), but one of the two is wrong
    select row_id, 'unit_conflict', 'unit',
        'the value "' || value_text || '" is written in ' || value_unit || ', the unit column says ' || unit_column
    from results
    where value_unit is not null and nullif(trim(unit_column), '') is not null and unit_normalise(unit_column) <> value_unit
),

implausible as (
    select row_id, 'implausible', 'value',
        'value ' || value_text || coalesce(' ' || unit, '') || ' is outside the hard limits '
            || coalesce(hard_low::varchar, '-') || '..' || coalesce(hard_high::varchar, '-') || ' ' || coalesce(canonical_unit, '')
    from results where plausibility = 'implausible' and row_id not in (select row_id from explained)
),

outside_soft as (
    select row_id, 'outside_soft_band', 'value',
        'value ' || value_text || coalesce(' ' || unit, '') || ' is outside the usual band '
            || coalesce(soft_low::varchar, '-') || '..' || coalesce(soft_high::varchar, '-') || ' ' || coalesce(canonical_unit, '')
    from results where plausibility = 'outside_soft' and row_id not in (select row_id from explained)
),

unit_mixup_row as (
    select row_id, 'unit_mixup', 'unit',
        'value ' || value_text || ' is plausible only as ' || plausible_as_unit || ', not as ' || coalesce(unit_norm, canonical_unit, 'delivered')
    from results where plausibility = 'unit_mixup' and row_id not in (select row_id from explained)
),

unit_mixup_clinic as (
    select r.row_id,
        case when r.mixup then 'unit_mixup_clinic' else 'clinic_shift' end,
        'value',
        case
            when r.mixup and coalesce(r.n_rest, 0) < 30 then
                'clinic ' || r.clinic || ' sends ' || r.analysis_code || ' values that are all plausible only as ' || r.likely_unit
                    || ', not as ' || coalesce(nullif(r.canonical_unit, ''), 'the canonical unit') || ' (' || r.n || ' results; too few elsewhere to compare)'
            when r.mixup and r.likely_direction = 'as' then
                'clinic ' || r.clinic || ' sends ' || r.analysis_code || ' values that look like ' || r.likely_unit
                    || ' under ' || coalesce(nullif(r.canonical_unit, ''), 'the canonical unit')
                    || ' (median ' || round(r.med, 3) || ' against ' || round(r.rest_med, 3) || ' elsewhere; factor ' || round(r.likely_factor, 4)
                    || case when r.likely_offset <> 0 then ', offset ' || round(r.likely_offset, 3) else '' end || ')'
            when r.mixup then
                'clinic ' || r.clinic || ' sends ' || r.analysis_code || ' values converted from ' || r.likely_unit
                    || ' although they already were ' || coalesce(nullif(r.canonical_unit, ''), 'canonical')
                    || ' (median ' || round(r.med, 3) || ' against ' || round(r.rest_med, 3) || ' elsewhere)'
            else
                'clinic ' || r.clinic || ' sends ' || r.analysis_code || ' values shifted against the other clinics (median '
                    || round(r.med, 3) || ' against ' || round(r.rest_med, 3) || ', ' || round(r.shift_sd, 1) || ' robust SDs; factor '
                    || round(r.ratio_median, 3) || ')'
        end
    from clinic_rows as r
),

analyses_with_reference as (
    -- the analyses with a reference on some result of this run (a stix result's is a text such as 'neg')
    select distinct coalesce(catalogue_code, analysis_code) as analysis
    from results
    where ref_low is not null or ref_high is not null or ref_text is not null
),

reference_missing as (
    -- A result with a value and no interval. A qualitative or pending result only where other
    -- results of its analysis have one: an export that never gives one for an answer (FHIR coded
    -- answers and booleans) has none missing. A result without a value has value_missing instead.
    select row_id, 'reference_missing', 'ref_low',
        'no reference interval (neither limits nor text) for the ' || value_state || ' result of ' || coalesce(analysis_code, 'the analysis')
    from results
    where ref_low is null and ref_high is null and ref_text is null and nullif(trim(value_text), '') is not null
        and journal_system in (select journal_system from delivering where intervals)
        and (value_state not in ('qualitative', 'pending')
            or coalesce(catalogue_code, analysis_code) in (select analysis from analyses_with_reference))
),

reference_invalid as (
    select row_id, 'reference_invalid', 'ref_low',
        'reference interval ' || ref_low || '..' || ref_high || ' has its lower limit at or above its upper limit'
    from results where ref_low >= ref_high
),

reference_unstable as (
    select r.row_id, 'reference_unstable', 'ref_low',
        'reference interval ' || coalesce(r.ref_low::varchar, '') || '..' || coalesce(r.ref_high::varchar, '') || ' differs from the '
            -- an extract that names no clinic (lab-quality's clinic: none), or rows that name none,
            -- are compared with the usual interval of the rows without one
            || case when coalesce(getvariable('lab_no_clinic'), false) then 'extract''s usual '
                when r.clinic = '(no clinic)' then 'usual interval of the results without a clinic, '
                else 'clinic''s usual ' end
            || coalesce(m.ref_low::varchar, '') || '..' || coalesce(m.ref_high::varchar, '') || ' for ' || r.analysis_code
    from results as r
    join reference_modes as m
        on m.clinic = r.clinic and m.analysis_code = r.analysis_code and m.unit_norm is not distinct from r.unit_norm and m.rank = 1
    left join intervals_of_patient as ip
        on ip.clinic = r.clinic and ip.analysis_code = r.analysis_code and ip.unit_norm is not distinct from r.unit_norm and ip.patient = r.patient
    left join patients_of_interval as pi
        on pi.clinic = r.clinic and pi.analysis_code = r.analysis_code and pi.unit_norm is not distinct from r.unit_norm
        and pi.ref_low is not distinct from r.ref_low and pi.ref_high is not distinct from r.ref_high
    where m.intervals > 1
        and (r.ref_low is not null or r.ref_high is not null)
        and (r.ref_low is distinct from m.ref_low or r.ref_high is distinct from m.ref_high)
        -- an interval that follows the patient (every patient who gets it always gets it, and
        -- several patients do) is one for their sex or age, not an unstable one
        and not (coalesce(ip.intervals, 0) = 1 and coalesce(pi.patients, 0) >= 2)
),

flag_inconsistent as (
    select row_id, 'flag_inconsistent', 'abnormal_flag',
        case
            when flag = 'unknown' then 'abnormal flag "' || abnormal_flag || '" is not a known spelling'
            else 'abnormal flag ' || coalesce('"' || abnormal_flag || '"', 'missing') || ' but value ' || value_text
                || ' is ' || case expected_flag when 'high' then 'above' when 'low' then 'below' else 'inside' end
                || ' the reference interval ' || coalesce(ref_low::varchar, '') || '..' || coalesce(ref_high::varchar, '')
        end
    from flags
    where flag = 'unknown'
       -- "abnormal" names no direction: it agrees with a value above or below, not with one inside
       or (expected_flag is not null and flag <> expected_flag and not (flag = 'abnormal' and expected_flag <> 'none')
           -- a missing flag only from a system that delivers flags
           and (abnormal_flag is not null or journal_system in (select journal_system from delivering where flags)))
),

measured as (
    -- one measurement however it is written: the analysis by its catalogue code where it has one
    -- (a linked LOINC or local code is that analysis), a number by its value in the canonical
    -- unit (4,1 as text and 4.1 mmol/L are one value), else with its unit; an answer by its words
    select *, hash(patient, analysis, sampled_at, cmp, number, number_unit, answer) as m_hash,
    from (
        select row_id, record_key, source_file, source_line, patient, sampled_at,
            coalesce(catalogue_code, analysis_code) as analysis,
            coalesce(comparator, '') as cmp,
            coalesce(round(value_canonical, 6), value_num) as number,
            case when value_canonical is null and value_num is not null then unit_norm end as number_unit,
            case when value_num is null then lower(trim(value_text)) end as answer,
        from results
        where patient is not null and analysis_code is not null and sampled_at is not null
    )
),

duplicates as (
    -- same patient, analysis, sampling time and value under another record id: one measurement
    -- sent twice (a correction of the same record id is the pipeline's business, not a duplicate).
    -- The same time with another value is a repeat specimen (a hospital's re-drawn or re-run
    -- sample), not a duplicate.
    select row_id, 'duplicate', 'sampled_at',
        'same patient, analysis, sampling time and value as ' || first_file || ' line ' || first_line
    from (
        select row_id, record_key,
            first_value(record_key) over w as first_key,
            first_value(source_file) over w as first_file,
            first_value(source_line) over w as first_line,
            row_number() over w as k,
        from measured
        -- only the measurements that occur more than once: a hash count is cheaper than sorting every row
        -- (by one hash of the seven: a collision only lets a few more rows into the windows, which
        -- compare the columns themselves)
        semi join (select m_hash from measured group by all having count(*) > 1) as repeated using (m_hash)
        window w as (partition by patient, analysis, sampled_at, cmp, number, number_unit, answer order by source_file, source_line)
    )
    where k > 1 and record_key is distinct from first_key
),

time_order as (
    -- delivered = when the file was delivered (lab.inputs: its modification time, or the time the
    -- analyst gave; null when none can be judged, e.g. shifted dates). A local time in the hour the
    -- clocks go back happens twice, and a reader takes the first: a result at 02:10 after a sample
    -- at 02:30 that night is in order when it was the second 02:10 (macros/fall_back.sql).
    select row_id, 'time_order', 'resulted_at',
        case
            -- two times a minute apart show alike: the finding says by how much (a FHIR time has milliseconds)
            when resulted_at < sampled_at and not _lab_fall_back_explains(sampled_at, resulted_at) and shown_time(resulted_at) = shown_time(sampled_at)
                then 'result time ' || shown_time(resulted_at) || ' is ' || round(epoch(sampled_at) - epoch(resulted_at), 3)
                    || ' s before the sampling time, in the same minute (' || shown_zone() || ')'
            when resulted_at < sampled_at and not _lab_fall_back_explains(sampled_at, resulted_at) then 'result time ' || shown_time(resulted_at) || ' is before the sampling time ' || shown_time(sampled_at) || ' (' || shown_zone() || ')'
            else 'result time ' || shown_time(resulted_at) || ' is after the file was delivered (' || shown_time(delivered_at) || ' ' || shown_zone() || ')'
        end
    from results
    where (resulted_at < sampled_at and not _lab_fall_back_explains(sampled_at, resulted_at)) or resulted_at > delivered_at
),

time_future as (
    select row_id, 'time_future', case when sampled_at > getvariable('lab_now') then 'sampled_at' else 'resulted_at' end,
        case when sampled_at > getvariable('lab_now') then 'sampling time ' || shown_time(sampled_at) else 'result time ' || shown_time(resulted_at) end
            || ' (' || shown_zone() || ') is in the future'
    from results
    -- shifted dates (de-identification) are in the future by design: only their order is judged
    where not coalesce(getvariable('lab_dates_shifted'), false)
        and (sampled_at > getvariable('lab_now') or resulted_at > getvariable('lab_now'))
),

all_findings as (
    select * from code_format
    union all select * from code_unknown
    union all select * from code_retired
    union all select * from result_cancelled
    union all select * from value_unparseable
    union all select * from value_missing
    union all select * from value_type
    union all select * from unit_not_accepted
    union all select * from unit_missing
    union all select * from unit_conflict
    union all select * from patient_missing
    union all select * from implausible
    union all select * from outside_soft
    union all select * from unit_mixup_row
    union all select * from unit_mixup_clinic
    union all select * from reference_missing
    union all select * from reference_invalid
    union all select * from reference_unstable
    union all select * from flag_inconsistent
    union all select * from duplicates
    union all select * from time_order
    union all select * from time_future
    -- the checks that need no catalogue, each in its own model
    union all select * from lab.unit_mixes
    union all select * from lab.outliers
),

final as (
    select a.row_id, r.record_key, r.source_file, r.source_line, 'lab.' || a.check_name as check_id, a.check_name, a.column_name, a.detail
    from all_findings as a
    join results as r using (row_id)
)

select * from final
