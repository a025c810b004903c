-- Rows of this run that cannot be parsed: a value that does not match the layout's
-- format, or a field without which the record has no identity. One row per
-- (record, column); such records are rejected, never published or guessed at.
with layouts as (
    select * from ref.layouts
),

problems as (
    -- every column staging parsed with a layout format (dates, timestamps, numbers), per kind
    {{#parsed_columns union all}}
    select '{{kind}}' as kind, file_hash, source_file, source_line, journal_system,
        '{{column}}' as column_name, {{column}} as raw_value,
        {{column}}__parsed is null as parse_failed,
        '{{format}}' as format_key
    from staging.raw_{{kind}}
    {{/parsed_columns}}
),

-- The values that failed to parse, and the numbers long enough to hold a CPR number (10
-- characters): few. materialized, and the detector run in a grouping of its own below: DuckDB
-- pushes a projection into every branch of a union, and a filter into a materialized CTE, and
-- compiles the detector's patterns at every copy (most of this model's time on a small run).
candidates as materialized (
    select *
    from problems
    where (parse_failed or (format_key = 'number' and strlen(raw_value) >= 10)) and raw_value is not null
        and not ((raw_value < '!' or raw_value >= chr(127)) and trim(raw_value) = '')
        -- Exports write a missing number as a word or a dash (a database's NULL, R's NA, '-'):
        -- a reference limit so written is no limit, as an empty one is, not a value in error.
        -- The parsed column is null for it already; only this reject is left out.
        and not (format_key = 'number' and strlen(raw_value) <= 6
            and lower(trim(raw_value)) in ('null', 'na', 'n/a', 'nan', 'none', '-', '--', '.'))
),

unparsed as (
    -- Ten digits parse as a number, and a number column is no text a CPR check reads: a CPR or
    -- replacement number there is no value either (no date or time can hold one).
    select
        p.kind, p.file_hash, p.source_file, p.source_line, p.column_name,
        case
            when c.cpr then 'a CPR number or replacement number appears in this field'
            when p.format_key = 'dates' then 'not a valid date: expected the format ' || l.dates
            when p.format_key = 'timestamps' then 'not a valid time: expected the format ' || l.timestamps
            else 'not a number: expected decimal separator ''' || l.decimal || ''''
        end as reason,
        left(p.raw_value, 200) as raw_value,
    from candidates as p
    -- each distinct value read once; inside an aggregate the detector stays where it is written
    join (select raw_value, bool_or(has_cpr(raw_value)) as cpr from candidates group by raw_value) as c using (raw_value)
    left join layouts as l on l.journal_system = p.journal_system and l.kind = p.kind
    where p.parse_failed or c.cpr
),

identity as (
    -- Without the vendor's record id a correction cannot find what it corrects;
    -- without a patient pseudonym or a date the record means nothing downstream.
    -- A date that parsed is there (staging keeps a date's text only where it did not parse).
    -- Blank is null or nothing but what trim() strips (spaces, and non-ASCII spaces such as
    -- U+00A0): only a value whose first byte is below '!' or not ASCII can be blank, so trim()
    -- runs only on those, not on every value of every row (it was most of this model's cost).
    select
        kind, file_hash, source_file, source_line, column_name,
        case column_name
            when 'record_id' then 'record_id is missing: the field is empty, and a record is known (and corrected) by its id, so the line is not read'
            else column_name || ' is missing'
        end as reason,
        null::varchar as raw_value,
    from (
        select
            kind, file_hash, source_file, source_line,
            unnest(list_filter([
                case when (record_id is null or ((record_id < '!' or record_id >= chr(127)) and trim(record_id) = '')) then 'record_id' end,
                -- `fangst lab-quality` (lab_patient_optional) keeps such a result, to be judged
                -- with the others of its analysis: its lab.patient_missing finding says why it is not usable
                case when (patient is null or ((patient < '!' or patient >= chr(127)) and trim(patient) = ''))
                    and not coalesce(getvariable('lab_patient_optional'), false) then 'patient' end,
                case when when_col is not null and when_parsed is null and (when_raw is null or ((when_raw < '!' or when_raw >= chr(127)) and trim(when_raw) = '')) then when_col end
            ], x -> x is not null)) as column_name,
        from (
            -- when_col: the kind's dated column where the kind requires one (config/kinds.ts)
            {{#kinds union all}}
            select '{{kind}}' as kind, file_hash, source_file, source_line, record_id, patient,
                {{required_date}} as when_raw, {{required_date_parsed}} as when_parsed, {{required_date_name}} as when_col
            from staging.raw_{{kind}}
            {{/kinds}}
        )
        -- the same tests as the list above: the list is built only for the few rows that miss something
        where (record_id is null or ((record_id < '!' or record_id >= chr(127)) and trim(record_id) = ''))
            or (patient is null or ((patient < '!' or patient >= chr(127)) and trim(patient) = ''))
            or (when_col is not null and when_parsed is null and (when_raw is null or ((when_raw < '!' or when_raw >= chr(127)) and trim(when_raw) = '')))
    )
),

provider as (
    -- A ydernummer is up to 6 digits: a longer one is not padded or cut to fit (that would be
    -- another clinic's number), so the record cannot be placed and is rejected.
    select
        kind, file_hash, source_file, source_line, 'ydernummer' as column_name,
        'not a ydernummer: expected up to 6 digits' as reason,
        left(ydernummer, 200) as raw_value,
    from (
        {{#kinds union all}}
        select '{{kind}}' as kind, file_hash, source_file, source_line, ydernummer
        from staging.raw_{{kind}}
        {{/kinds}}
    )
    where not ydernummer_valid(ydernummer)
),

register as (
    -- The clinic register: a row without a SOR code or enrolment date cannot be used;
    -- of two rows for one SOR code the later wins and the earlier is rejected.
    select
        'register' as kind, file_hash, source_file, source_line, column_name, reason, raw_value,
    from (
        select *,
            case
                when nullif(trim(sor_code), '') is null then 'sor_code'
                when enrolled_on__parsed is null then 'enrolled_on'
                when row_number() over (partition by trim(sor_code) order by source_file desc, source_line desc) > 1 then 'sor_code'
            end as column_name,
            case
                when nullif(trim(sor_code), '') is null then 'sor_code is missing'
                when enrolled_on__parsed is null then 'not a valid enrolment date: expected the register''s date format'
                else 'a later register row lists this SOR code again; that row is used'
            end as reason,
            left(coalesce(enrolled_on, ''), 200) as raw_value,
        from staging.raw_register
    )
    where column_name is not null
),

-- materialized: its few rows are masked below by one use of the detector; DuckDB would push the
-- mask into every branch of the union above and compile the detector's patterns in each
final as materialized (
    select * from unparsed
    union all
    select * from identity
    union all
    select * from provider
    union all
    select * from register
)

-- A raw value is as delivered: an identifier in it is masked before it is stored or shown.
select * replace (cpr_mask(raw_value) as raw_value) from final
