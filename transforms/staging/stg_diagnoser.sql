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
    -- The spelling read as a person reads it: white space of any kind around it, full-width
    -- letters and digits and other scripts' digits as ASCII (ascii_fold), and a dash however it
    -- came (en and em dash, non-breaking hyphen, minus, and the C1 controls a Windows-1252 en or
    -- em dash becomes when read as Latin-1) as '-'.
    left join spellings
        on spellings.journal_system = raw.journal_system
        and spellings.spelling = upper(trim(translate(ascii_fold(raw.kind),
            chr(9) || chr(10) || chr(13) || chr(160) || chr(150) || chr(151) || chr(8211) || chr(8212) || chr(8209) || chr(8722),
            '    ------')))
)

select * from final
