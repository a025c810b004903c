-- This run's epikriser (discharge-style summary letters), cleaned.
-- materialised: view (read once in full, by the core model; a table would copy every row)
with raw as (
    select * from staging.raw_epikriser
),

final as (
    select
        run_id, file_hash, source_file, source_line, journal_system,
        unnest(delivered_record(record_id, sor_code, ydernummer, patient)),
        written_date__parsed as written_date,
        title,
        text,
    from raw
)

select * from final
