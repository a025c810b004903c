-- Every candidate lab result of this run, read against the NPU catalogue: what its code is
-- (NPU known, retired, unknown, malformed, or a local code), what its unit is (the canonical
-- unit, a unit converted to it, missing, or not accepted), and its value in the canonical unit
-- (the delivered value and unit stay as they were). The results view (results.sql) adds where
-- that value falls (inside the hard limits and the soft band, or plausible in another unit).
-- lab.catalogue_* are the catalogue as this layer sees it (see catalogue_analyses.sql).
-- DuckDB materialises a CTE that is read twice, a copy of every row and column that spills to
-- disk on a large extract: so the chain below is read once, streamed into the table, and
-- `rows`, read for the resolved and the unresolved clinics, is two scans instead.
with value_units as (
    -- The unit a value is written with ('5,2 mmol/L': stg_lab_values, `fangst lab-quality` only),
    -- one row per such value; none in the nightly job. The build side of a join of every row: small.
    select distinct value as value_text, value_unit from staging.stg_lab_values where value_unit is not null
),

rows as not materialized (
    -- The result's own columns. Not the pipeline's bookkeeping (hashes, batch, run, why the
    -- clinic did not resolve): no reader of the lab results uses them, and at a backfill's size each
    -- column of this table held in memory is what makes the run spill.
    -- A value written with its unit is read in that unit (unit, value_unit); unit_column keeps
    -- the unit column of such a row, for the finding where the two disagree (unit_conflict).
    select r.* exclude (key_hash, content_hash, batch_id, run_id, unresolved_reason) replace (coalesce(v.value_unit, r.unit) as unit),
        v.value_unit,
        case when v.value_unit is not null then r.unit end as unit_column,
    from work.laboratoriesvar as r
    left join value_units as v on v.value_text = r.value_text and r.value_state in ('numeric', 'censored')
),

delivered_clinic as (
    -- the SOR code as delivered, looked up only for the few rows the register did not resolve
    select raw.file_hash, raw.source_file, raw.source_line, raw.sor_code as sor_delivered
    from staging.raw_laboratoriesvar as raw
    semi join (select file_hash, source_file, source_line from work.laboratoriesvar where sor_code is null) as unresolved
        using (file_hash, source_file, source_line)
),

units_delivered as (
    -- a handful of spellings: each normalised once, joined back
    select unit, unit_normalise(unit) as unit_norm
    from (select distinct unit from work.laboratoriesvar union select value_unit from value_units)
),

inputs as (
    select * from lab.inputs
),

analyses as (
    select * from lab.catalogue_analyses
),

units as (
    select * from lab.catalogue_units
),

retired as (
    select * from lab.catalogue_retired
),

official as (
    select * from lab.catalogue_official
),

loinc as (
    select * from lab.catalogue_loinc
),

text_decimal as (
    -- each system's decimal separator, to read a reference interval given only as text
    select journal_system, any_value(decimal) as decimal_sep from ref.layouts where kind = 'laboratoriesvar' group by journal_system
),

rows_delivered as (
    -- A resolved row needs no lookup; only the unresolved ones are joined to their staged text.
    -- One join of every row would build its hash table on the rows themselves, every column.
    select rows.*, null::varchar as sor_delivered from rows where rows.sor_code is not null
    union all
    select rows.*, raw.sor_delivered
    from rows
    left join delivered_clinic as raw
        on raw.file_hash = rows.file_hash and raw.source_file = rows.source_file and raw.source_line = rows.source_line
    where rows.sor_code is null
),

with_text as (
    -- An interval delivered only as text ('7,3-10,5', '< 10': macros/lab_value_parse.sql) gives
    -- the limits the result is judged against; lab-quality's evaluation only (lab_ref_from_text):
    -- the nightly job keeps the delivered columns as they are. ref_text stays as delivered.
    select rows.*,
        case when coalesce(getvariable('lab_ref_from_text'), false) and rows.ref_low is null and rows.ref_high is null and rows.ref_text is not null
            then lab_ref_text_limits(rows.ref_text, coalesce(d.decimal_sep, '.')) end as ref_from_text,
    from rows_delivered as rows
    left join text_decimal as d on d.journal_system = rows.journal_system
),

based as (
    select
        rows.* exclude (sor_delivered, ref_from_text) replace (
            coalesce(rows.ref_low, rows.ref_from_text.low) as ref_low,
            coalesce(rows.ref_high, rows.ref_from_text.high) as ref_high),
        -- the clinic as delivered when the register does not know it: the comparison per
        -- clinic still needs a name for it
        coalesce(rows.sor_code, rows.sor_delivered, 'ydernummer ' || rows.ydernummer, '(no clinic)') as clinic,
        -- the staging parse already decided the state; only a qualitative answer needs its spelling
        case when rows.value_state = 'qualitative' then lab_value_qualitative(rows.value_text) end as qualitative,
        units_delivered.unit_norm,
        inputs.delivered_at,
        case
            when rows.analysis_code is null then 'missing'
            when regexp_full_match(rows.analysis_code, '(NPU|DNK)[0-9]{5}') then 'npu'
            -- LOINC is known by the code system the delivery names (FHIR http://loinc.org, HL7 v2 LN),
            -- never guessed from the form: a local code may look like one
            when upper(rows.code_system) in ('LOINC', 'LN', 'HTTP://LOINC.ORG') then
                case when loinc_valid(rows.analysis_code) then 'loinc' else 'malformed' end
            -- a code that claims to be NPU/DNK (by prefix or code type) without the form
            when rows.analysis_code like 'NPU%' or rows.analysis_code like 'DNK%'
                or upper(rows.code_system) in ('NPU', 'DNK', 'IUPAC') then 'malformed'
            else 'local'
        end as code_form,
        -- the code to look up in the catalogue: null unless it has the NPU/DNK form, so that the
        -- lookups below are plain equi-joins (a condition on one side only made them nested loops)
        case when regexp_full_match(rows.analysis_code, '(NPU|DNK)[0-9]{5}') then rows.analysis_code end as npu_code,
    from with_text as rows
    left join units_delivered on units_delivered.unit is not distinct from rows.unit
    left join inputs on inputs.file_hash = rows.file_hash
),

linked as (
    -- a LOINC code stands for the catalogue code it is linked to (lab.catalogue_loinc)
    select based.* replace (coalesce(based.npu_code, loinc.npu) as npu_code)
    from based
    left join loinc on loinc.loinc = case when based.code_form = 'loinc' then based.analysis_code end
),

coded as (
    select
        based.* exclude (npu_code),
        retired.successor,
        case
            when code_form <> 'npu' then code_form
            when retired.code is not null then 'retired'
            when own.code is not null then 'known'
            when official.code is not null then 'official'
            else 'unknown'
        end as code_status,
        -- the facts of the code itself, else (for a retired code) those of its successor
        coalesce(own.code, via.code) as catalogue_code,
        coalesce(own.short_name, own.name, via.short_name, via.name) as catalogue_name,
        -- the code whose units apply: the code itself, also when it is retired (its own unit)
        case when own.code is not null then own.code when retired.code is not null then retired.code end as unit_code,
        coalesce(own.canonical_unit, via.canonical_unit) as canonical_unit,
        coalesce(own.unit_required, via.unit_required, true) as unit_required,
        coalesce(own.result_type, via.result_type) as result_type,
        coalesce(own.allowed_values, via.allowed_values) as allowed_values,
        coalesce(own.hard_low, via.hard_low) as hard_low,
        coalesce(own.hard_high, via.hard_high) as hard_high,
        coalesce(own.soft_low, via.soft_low) as soft_low,
        coalesce(own.soft_high, via.soft_high) as soft_high,
    from linked as based
    left join retired on retired.code = based.npu_code
    left join analyses as own on own.code = based.npu_code
    left join analyses as via on via.code = case when own.code is null then retired.successor end
    left join official on official.code = based.npu_code
),

unit_read as (
    select
        coded.*,
        conv.factor,
        conv.offset_,
        case
            -- a unit is checked whatever the value: a wrong unit is wrong on a pending result too
            when catalogue_code is null or result_type <> 'numeric' or value_state = 'qualitative' then 'not_checked'
            when coalesce(canonical_unit, '') in ('', '1') and coalesce(unit_norm, '1') = '1' then 'canonical'
            when unit_norm is null and not unit_required then 'canonical'
            when unit_norm is null and value_state not in ('numeric', 'censored') then 'not_checked'
            when unit_norm is null then 'missing'
            when unit_norm = canonical_unit then 'canonical'
            when conv.unit is not null then 'converted'
            else 'not_accepted'
        end as unit_status,
    from coded
    left join units as conv
        on conv.code = coded.unit_code and conv.unit = coded.unit_norm and conv.unit is distinct from coded.canonical_unit
),

valued as (
    select
        unit_read.*,
        case
            when unit_status in ('canonical', 'missing') then value_num
            when unit_status = 'converted' then value_num * factor + offset_
        end as value_canonical,
        case
            when unit_status in ('canonical', 'missing') then ref_low
            when unit_status = 'converted' then ref_low * factor + offset_
        end as ref_low_canonical,
        case
            when unit_status in ('canonical', 'missing') then ref_high
            when unit_status = 'converted' then ref_high * factor + offset_
        end as ref_high_canonical,
    from unit_read
)

-- file_hash only found the file's delivery time and the delivered clinic (above)
select valued.* exclude (file_hash) from valued
