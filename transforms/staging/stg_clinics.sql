-- The clinic register as delivered with this run, cleaned. Specialty 8 (Intern medicin)
-- was split in Oct/Nov 2025 into 81/82/83: a clinic still registered under 8 is
-- re-coded from its registered sub-specialty; without one it stays 8 (a check flags it).
with raw as (
    select * from staging.raw_register
),

rejected as (
    -- Rows without a SOR code or enrolment date, and earlier rows of a repeated SOR code.
    select file_hash, source_line from staging.parse_rejects where kind = 'register'
),

latest as (
    select raw.*
    from raw
    anti join rejected on rejected.file_hash = raw.file_hash and rejected.source_line = raw.source_line
),

final as (
    select
        trim(sor_code) as sor_code,
        ydernummer_normalise(ydernummer) as ydernummer,
        nullif(trim(name), '') as name,
        case
            when try_cast(trim(specialty) as integer) = 8 and try_cast(trim(subspecialty) as integer) in (81, 82, 83)
                then try_cast(trim(subspecialty) as integer)
            else try_cast(trim(specialty) as integer)
        end as specialty,
        try_cast(trim(specialty) as integer) as registered_specialty,
        nullif(trim(journal_system), '') as journal_system,
        enrolled_on__parsed as enrolled_on,
        file_hash,
    from latest
)

select * from final
