-- Candidate records of one data kind of this run, keyed and attached to their clinic; rows that
-- could not be parsed are left out (they are in meta.rejects). One row per parsed delivered row.
-- materialised: table, one per data kind (work.<kind>, from staging.stg_<kind>; see transforms/kind-sql.ts)
with stg as (
    select * from staging.stg_{{kind}}
),

rejected as (
    select distinct file_hash, source_file, source_line from staging.parse_rejects where kind = '{{kind}}'
),

clinic_keys as (
    select * from work.clinic_keys
),

files as (
    select * from staging.stg_files
),

final as (
    select
        -- the unique check keeps the last row by row_id, which sorts as (file, line) does
        row_id(files.file_no, stg.source_line) as row_id,
        stg.journal_system || ':' || stg.record_id as record_key,
        stg.journal_system,
        stg.record_id,
        clinic_keys.sor_code,
        stg.ydernummer,
        clinic_keys.specialty,
        stg.patient,
        {{stg.payload}},
        md5(concat_ws('|', stg.sor_code, stg.ydernummer, stg.patient, {{hashed_text}})) as content_hash,
        stg.source_file,
        stg.source_line,
        stg.file_hash,
        getvariable('batch_id') as batch_id,
        -- core.<kind>.batch_at (db/schema/007): lets a reader of this batch skip the history
        batch_at(getvariable('batch_id')) as batch_at,
        getvariable('run_id') as run_id,
        clinic_keys.unresolved_reason,
        -- core.<kind>.key_hash (db/schema/004), computed once here: published_matches probes the
        -- history with it, pipeline_findings counts repeated keys by it, accept stores it
        key_hash(stg.journal_system || ':' || stg.record_id) as key_hash,
    from stg
    join files on files.source_file = stg.source_file
    left join clinic_keys
        on clinic_keys.sor_in is not distinct from stg.sor_code
        and clinic_keys.yder_in is not distinct from stg.ydernummer
    anti join rejected
        -- the file too: a FHIR Observation's components are rows of their own at its line
        on rejected.file_hash = stg.file_hash and rejected.source_file = stg.source_file and rejected.source_line = stg.source_line
)

select * from final
