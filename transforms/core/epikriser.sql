-- Candidate epikriser of this run, keyed and attached to their clinic; rows that
-- could not be parsed are left out (they are in meta.rejects).
with stg as (
    select * from staging.stg_epikriser
),

rejected as (
    select distinct file_hash, source_line from staging.parse_rejects where kind = 'epikriser'
),

clinic_keys as (
    select * from work.clinic_keys
),

files as (
    select * from staging.stg_files
),

final as (
    select
        -- row_id must sort as (source_file, source_line) does: the unique check keeps the last
        -- row by row_id. The file's number times 2^40 plus the line gives that order without
        -- sorting every row (row_number() over the rows carried every column through a sort).
        files.file_no * 1099511627776 + stg.source_line as row_id,
        stg.journal_system || ':' || stg.record_id as record_key,
        stg.journal_system,
        stg.record_id,
        clinic_keys.sor_code,
        stg.ydernummer,
        clinic_keys.specialty,
        stg.patient,
        stg.written_date,
        stg.title,
        stg.text,
        md5(concat_ws('|', stg.sor_code, stg.ydernummer, stg.patient, stg.written_date, stg.title, stg.text)) as content_hash,
        stg.source_file,
        stg.source_line,
        stg.file_hash,
        getvariable('batch_id') as batch_id,
        getvariable('run_id') as run_id,
        clinic_keys.unresolved_reason,
        -- core.<kind>.key_hash (db/schema/004), computed once here: published_matches probes the
        -- history with it, pipeline_findings counts repeated keys by it, accept stores it
        (md5_number(stg.journal_system || ':' || stg.record_id) >> 64)::ubigint as key_hash,
    from stg
    join files on files.source_file = stg.source_file
    left join clinic_keys
        on clinic_keys.sor_in is not distinct from stg.sor_code
        and clinic_keys.yder_in is not distinct from stg.ydernummer
    anti join rejected
        on rejected.file_hash = stg.file_hash and rejected.source_line = stg.source_line
)

select * from final
