-- This run's diagnoses, cleaned: SKS codes in one spelling, the diagnosis kind
-- mapped from the vendor's spelling (config/sources/*.yaml `kinds`) to A, B or
-- null (unmarked). The raw values are kept for checks and for the quarantine.
-- materialised: view (read once in full, by the core model; a table would copy every row)
with raw as (
    select * from staging.raw_diagnoser
),

spellings as (
    select * from ref.kind_spellings
),

final as (
    select
        raw.run_id, raw.file_hash, raw.source_file, raw.source_line, raw.journal_system,
        unnest(delivered_record(raw.record_id, raw.sor_code, raw.ydernummer, raw.patient)),
        sks_normalise(raw.code) as code,
        raw.code as code_raw,
        spellings.kind,
        raw.kind as kind_raw,
        raw.contact_date__parsed as contact_date,
    from raw
    left join spellings
        on spellings.journal_system = raw.journal_system
        and spellings.spelling = upper(trim(raw.kind))
)

select * from final
