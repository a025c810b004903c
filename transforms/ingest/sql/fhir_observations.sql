-- FHIR R4 Observation resources (one per line, as a bulk export writes them) as staged lab
-- rows: the same raw text columns and parsed columns a journal system's layout produces, so
-- the pipeline's staging and core transforms treat them like any other delivery.
-- Input: the temporary view fhir_lines (run_id, file_hash, source_file, source_line, j,
-- categories, has_value: whether the Observation has a value[x]) with one JSON object per line,
-- holding only the elements fhir.ts lists in READ_ELEMENTS (add one there before reading it here);
-- lines that are not Observations were rejected before, those that are no lab result set apart.
-- One row per result: the Observation's own value, and each of its component[] values (a blood
-- pressure panel's systolic 8480-6 and diastolic 8462-4) as a result of its own. A component is
-- named <id>#component[i] (i from 0, as FHIRPath counts; '#' cannot occur in a FHIR id) and, so
-- that (file, line) still names one row, comes from "<file>#component[i]" at the Observation's line.
-- A coded answer (valueCodeableConcept) is its text with the operator 'coded', which
-- lab_value_parse reads as a qualitative answer whatever the words; so are the value[x] choices
-- that are no number and no text: valueBoolean (true/false), valueRatio as n:d (a titre 1:64),
-- valueRange as low-high, valueDateTime, valueTime and valuePeriod as written.
-- Besides the staging columns: parent_record_id (the Observation of a component), category and
-- absent_reason (why there is no value, FHIR's dataAbsentReason).
-- Time stamps without an offset are Danish local time (getvariable('fhir_time_zone')).
with lines as (
    select * from fhir_lines
),

observations as (
    select
        *,
        coalesce(from_json(json_extract(j, '$.component'), '["json"]'), []) as components,
    from lines
),

parts as (
    -- the Observation itself, unless it only groups its components (a panel has no value of its own)
    select * exclude (components, has_value), null::bigint as component, j as part
    from observations
    where has_value or len(components) = 0
    union all
    select * exclude (components, has_value, k, item), k as component, item as part
    from (select *, unnest(range(len(components))) as k, unnest(components) as item from observations where len(components) > 0)
),

fields as (
    -- code, value, interval and interpretation from the result's own part (the Observation or
    -- its component); subject, times, status and performer always from the Observation
    select
        run_id,
        file_hash,
        case when component is null then source_file else source_file || '#component[' || component || ']' end as source_file,
        source_line,
        case when component is null then j ->> '$.id' else (j ->> '$.id') || '#component[' || component || ']' end as id,
        case when component is not null then j ->> '$.id' end as parent_record_id,
        nullif(array_to_string(list_distinct(categories), ', '), '') as category,
        part -> '$.code.coding' as codings,
        part ->> '$.code.text' as code_text,
        part -> '$.valueQuantity' as quantity,
        coalesce(part ->> '$.valueString', (part -> '$.valueInteger')::varchar) as value_string,
        coalesce(
            part ->> '$.valueCodeableConcept.text',
            part ->> '$.valueCodeableConcept.coding[0].display',
            part ->> '$.valueCodeableConcept.coding[0].code',
            (part -> '$.valueBoolean')::varchar,
            (part -> '$.valueRatio.numerator.value')::varchar || ':' || (part -> '$.valueRatio.denominator.value')::varchar,
            (part -> '$.valueRange.low.value')::varchar || '-' || (part -> '$.valueRange.high.value')::varchar,
            part ->> '$.valueDateTime',
            part ->> '$.valueTime',
            (part ->> '$.valuePeriod.start') || '/' || coalesce(part ->> '$.valuePeriod.end', '')
        ) as value_concept,
        -- the normal interval for everyone: the first without an age band or a population
        -- (appliesTo) whose type, if any, is normal (not treatment, therapeutic or a critical
        -- limit); where there is none such, none (the text says so)
        coalesce(from_json(json_extract(part, '$.referenceRange'), '["json"]'), []) as ranges,
        list_filter(ranges, r -> not json_exists(r, '$.age') and not json_exists(r, '$.appliesTo')
            and (not json_exists(r, '$.type') or json_extract_string(r, '$.type.coding[0].code') = 'normal'
                or lower(json_extract_string(r, '$.type.text')) in ('normal', 'normal range', 'reference range')))[1] as range,
        -- the standard coding (v3 ObservationInterpretation, or v2 table 0078) before a local one
        -- a system lists first (a Danish lab's own 'HØJ' beside the standard 'H')
        coalesce(
            list_filter(coalesce(json_extract(part, '$.interpretation[0].coding[*]'), []),
                c -> regexp_matches(coalesce(c ->> '$.system', ''), 'ObservationInterpretation|[/-]0078$'))[1] ->> '$.code',
            part ->> '$.interpretation[0].coding[0].code',
            part ->> '$.interpretation[0].text',
            part ->> '$.interpretation[0].coding[0].display'
        ) as interpretation,
        -- why a result has no value (dataAbsentReason: not-performed, error, masked, ...), the
        -- part's own: a component's, else the Observation's
        coalesce(
            (part ->> '$.dataAbsentReason.coding[0].code') || coalesce(' (' || (part ->> '$.dataAbsentReason.coding[0].display') || ')', ''),
            part ->> '$.dataAbsentReason.text'
        ) as absent_reason,
        j ->> '$.status' as status,
        -- a collection period's start, else its end when only that is given (a sample handed in)
        coalesce(j ->> '$.effectiveDateTime', j ->> '$.effectivePeriod.start', j ->> '$.effectivePeriod.end', j ->> '$.effectiveInstant') as effective,
        j ->> '$.issued' as issued,
        j ->> '$.subject.reference' as subject_ref,
        -- a reference '#id' points into the Observation's own contained resources: the Patient
        -- there has the identifier (its id is local to this Observation, so no patient id)
        case when starts_with(j ->> '$.subject.reference', '#') then list_filter(
            coalesce(from_json(json_extract(j, '$.contained'), '["json"]'), []),
            c -> json_extract_string(c, '$.id') = substr(json_extract_string(j, '$.subject.reference'), 2)
        )[1] end as contained_subject,
        j ->> '$.subject.identifier.value' as subject_id,
        j -> '$.performer' as performers,
    from parts
),

coded as (
    -- The NPU coding when there is one (http://npu-terminology.org, or DK Core's OID), else the
    -- LOINC coding (http://loinc.org), else the first coding: a local code, reported as local.
    select
        fields.*,
        coalesce(
            list_filter(
                from_json(codings, '["json"]'),
                c -> (c ->> '$.system') in ('http://npu-terminology.org', 'urn:oid:1.2.208.176.2.1')
            )[1],
            list_filter(from_json(codings, '["json"]'), c -> (c ->> '$.system') = 'http://loinc.org')[1],
            (from_json(codings, '["json"]'))[1]
        ) as coding,
    from fields
),

performer as (
    -- The clinic: an Organization identifier in the SOR namespace (urn:oid:1.2.208.176.1.1),
    -- else a performer reference Organization/<digits>; a short number is a ydernummer. Digits
    -- of another script or full-width ones read as ASCII digits (ascii_fold).
    select
        coded.*,
        list_filter(
            list_transform(
                coalesce(from_json(performers, '["json"]'), []),
                p -> coalesce(ascii_fold(p ->> '$.identifier.value'), regexp_extract(ascii_fold(p ->> '$.reference'), '^Organization/([0-9]+)$', 1))
            ),
            v -> v is not null and v <> ''
        ) as performer_ids,
    from coded
),

united as (
    -- The unit of a quantity: its UCUM code where it has one (the computable unit; the display
    -- text beside it is free: 'x10E3/uL' for 10*3/uL, 'micromol/L' for umol/L), else its text.
    -- Each limit of the interval is a quantity of its own: limits in another unit than the value
    -- (a haemoglobin in g/dL against 7.3-9.5 mmol/L) are not read as limits of that value.
    select
        performer.*,
        fhir_unit(quantity) as unit,
        coalesce(list_bool_or(list_transform([json_extract(range, '$.low'), json_extract(range, '$.high')],
            q -> fhir_unit(q) is not null and unit is not null and unit_normalise(fhir_unit(q)) <> unit_normalise(unit))), false) as ref_other_unit,
    from performer
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
        -- (Patient/x, a full URL ending in Patient/x, either with /_history/n for one version of
        -- the Patient, urn:uuid:x as bulk exports reference bundles); a subject of another
        -- resource type (Group/g, Device/d) is no patient
        case when starts_with(subject_ref, '#') then nullif(trim(contained_subject ->> '$.identifier[0].value'), '') else coalesce(
            nullif(regexp_extract(subject_ref, '^(?:.*/)?Patient/([^/]+)(?:/_history/[^/]+)?$', 1), ''),
            nullif(regexp_extract(subject_ref, '^urn:uuid:(.+)$', 1), ''),
            case when not regexp_matches(subject_ref, '(^|/)[A-Z][A-Za-z]+/[^/]+(/_history/[^/]+)?$') then nullif(trim(subject_ref), '') end,
            nullif(trim(subject_id), '')
        ) end as patient,
        coding ->> '$.code' as analysis_code,
        case
            when (coding ->> '$.system') in ('http://npu-terminology.org', 'urn:oid:1.2.208.176.2.1') then 'NPU'
            -- LOINC by its URI, or by its OID (HL7's OID registry: 2.16.840.1.113883.6.1)
            when (coding ->> '$.system') in ('http://loinc.org', 'urn:oid:2.16.840.1.113883.6.1') then 'LOINC'
            else 'local'
        end as code_system,
        coalesce(code_text, coding ->> '$.display') as analysis_name,
        -- the number exactly as the JSON writes it (no float round trip), or the text
        -- (a number written as a JSON string, invalid FHIR, is read as its text, without the quotes)
        coalesce(quantity ->> '$.value', value_string, value_concept) as value,
        coalesce(quantity ->> '$.comparator', case when quantity is null and value_string is null and value_concept is not null then 'coded' end) as operator,
        unit,
        case when not ref_other_unit then (range ->> '$.low.value') end as ref_low,
        case when not ref_other_unit then try_cast((range ->> '$.low.value') as double) end as ref_low__parsed,
        case when not ref_other_unit then (range ->> '$.high.value') end as ref_high,
        case when not ref_other_unit then try_cast((range ->> '$.high.value') as double) end as ref_high__parsed,
        coalesce(
            case when ref_other_unit then 'given in another unit than the value, not compared' end,
            range ->> '$.text',
            case when range is null and len(ranges) > 0 then 'given per age or population group, or of another type than normal, only' end) as ref_text,
        case upper(interpretation)
            when 'H' then 'for_hoej' when 'HH' then 'for_hoej' when 'HU' then 'for_hoej'
            when 'L' then 'for_lav' when 'LL' then 'for_lav' when 'LU' then 'for_lav'
            when 'A' then 'unormal' when 'AA' then 'unormal' when 'POS' then 'unormal' when 'DET' then 'unormal'
            -- a flag saying normal is a flag delivered (lab_flag reads it as none)
            when 'N' then 'normal' when 'NEG' then 'normal' when 'ND' then 'normal'
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
        parent_record_id,
        category,
        -- only where there is no value: a value makes the reason moot
        case when quantity is null and value_string is null and value_concept is null then absent_reason end as absent_reason,
    from united
)

select * from final
