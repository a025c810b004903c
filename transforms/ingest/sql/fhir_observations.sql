-- FHIR R4 Observation resources (one per line, as a bulk export writes them) as staged lab
-- rows: the same raw text columns and parsed columns a journal system's layout produces, so
-- the pipeline's staging and core transforms treat them like any other delivery.
-- Input: the temporary view fhir_lines (run_id, file_hash, source_file, source_line, j) with
-- one JSON object per line; lines that are not Observations were rejected before.
-- Time stamps without an offset are Danish local time (getvariable('fhir_time_zone')).
with lines as (
    select * from fhir_lines
),

fields as (
    select
        run_id,
        file_hash,
        source_file,
        source_line,
        j ->> '$.id' as id,
        j -> '$.code.coding' as codings,
        j ->> '$.code.text' as code_text,
        j -> '$.valueQuantity' as quantity,
        j ->> '$.valueString' as value_string,
        coalesce(j ->> '$.valueCodeableConcept.text', j ->> '$.valueCodeableConcept.coding[0].code') as value_concept,
        j -> '$.referenceRange[0]' as range,
        j ->> '$.interpretation[0].coding[0].code' as interpretation,
        j ->> '$.status' as status,
        coalesce(j ->> '$.effectiveDateTime', j ->> '$.effectivePeriod.start', j ->> '$.effectiveInstant') as effective,
        j ->> '$.issued' as issued,
        j ->> '$.subject.reference' as subject_ref,
        j ->> '$.subject.identifier.value' as subject_id,
        j -> '$.performer' as performers,
    from lines
),

coded as (
    -- The NPU coding when there is one (http://npu-terminology.org), else the first coding:
    -- a local code, reported as local.
    select
        fields.*,
        coalesce(
            list_filter(
                from_json(codings, '["json"]'),
                c -> (c ->> '$.system') in ('http://npu-terminology.org', 'urn:oid:1.2.208.176.2.1')
            )[1],
            (from_json(codings, '["json"]'))[1]
        ) as coding,
    from fields
),

performer as (
    -- The clinic: an Organization identifier in the SOR namespace (urn:oid:1.2.208.176.1.1),
    -- else a performer reference Organization/<digits>; a short number is a ydernummer.
    select
        coded.*,
        list_filter(
            list_transform(
                coalesce(from_json(performers, '["json"]'), []),
                p -> coalesce(p ->> '$.identifier.value', regexp_extract(p ->> '$.reference', '^Organization/([0-9]+)$', 1))
            ),
            v -> v is not null and v <> ''
        ) as performer_ids,
    from coded
),

final as (
    select
        run_id,
        file_hash,
        source_file,
        source_line,
        'FHIR' as journal_system,
        null::varchar as decimal_sep,
        id as record_id,
        list_filter(performer_ids, v -> regexp_full_match(v, '[0-9]{11,}'))[1] as sor_code,
        list_filter(performer_ids, v -> regexp_full_match(v, '[0-9]{1,6}'))[1] as ydernummer,
        -- regexp_extract gives '' (not null) when nothing matches: each form is tried in turn
        -- (Patient/x, a full URL ending in Patient/x, urn:uuid:x as bulk exports reference bundles)
        coalesce(
            nullif(regexp_extract(subject_ref, '^(?:.*/)?Patient/(.+)$', 1), ''),
            nullif(regexp_extract(subject_ref, '^urn:uuid:(.+)$', 1), ''),
            nullif(trim(subject_ref), ''),
            nullif(trim(subject_id), '')
        ) as patient,
        coding ->> '$.code' as analysis_code,
        case when (coding ->> '$.system') in ('http://npu-terminology.org', 'urn:oid:1.2.208.176.2.1') then 'NPU' else 'local' end as code_system,
        coalesce(code_text, coding ->> '$.display') as analysis_name,
        -- the number exactly as the JSON writes it (no float round trip), or the text
        coalesce(json_extract(quantity, '$.value')::varchar, value_string, value_concept) as value,
        quantity ->> '$.comparator' as operator,
        coalesce(quantity ->> '$.unit', quantity ->> '$.code') as unit,
        json_extract(range, '$.low.value')::varchar as ref_low,
        try_cast(json_extract(range, '$.low.value')::varchar as double) as ref_low__parsed,
        json_extract(range, '$.high.value')::varchar as ref_high,
        try_cast(json_extract(range, '$.high.value')::varchar as double) as ref_high__parsed,
        range ->> '$.text' as ref_text,
        case upper(interpretation)
            when 'H' then 'for_hoej' when 'HH' then 'for_hoej' when 'HU' then 'for_hoej'
            when 'L' then 'for_lav' when 'LL' then 'for_lav' when 'LU' then 'for_lav'
            when 'A' then 'unormal' when 'AA' then 'unormal' when 'POS' then 'unormal' when 'DET' then 'unormal'
            when 'N' then null when 'NEG' then null when 'ND' then null
            else interpretation
        end as abnormal_flag,
        case status
            when 'registered' then 'proeve_modtaget'
            when 'preliminary' then 'svar_midlertidigt'
            when 'final' then 'svar_endeligt'
            when 'amended' then 'svar_rettet'
            when 'corrected' then 'svar_rettet'
            else status
        end as result_status,
        effective as sampled_at,
        fhir_instant(effective) as sampled_at__parsed,
        issued as resulted_at,
        fhir_instant(issued) as resulted_at__parsed,
    from performer
)

select * from final
