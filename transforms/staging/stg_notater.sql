-- This run's clinical notes, cleaned.
-- materialised: view (read once in full, by the core model; a table would copy every row)
with raw as (
    select * from staging.raw_notater
),

final as (
    select
        run_id, file_hash, source_file, source_line, journal_system,
        unnest(delivered_record(record_id, sor_code, ydernummer, patient)),
        note_time__parsed as note_time,
        nullif(trim(note_type), '') as note_type,
        text,
    from raw
)

select * from final
