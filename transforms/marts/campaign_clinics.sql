-- One row per clinic in the period: its name from the register, and the journal system and
-- specialty it delivered most diagnoses under (a clinic that changed system appears once).
-- Reads marts.campaign_cells.
with

cells as (
    select * from marts.campaign_cells
),

clinics as (
    select sor_code, name
    from ref.clinics
),

per_clinic as (
    select
        sor_code,
        arg_max(journal_system, diagnoses) as journal_system,
        arg_max(specialty, diagnoses) as specialty,
        cast(sum(diagnoses) as bigint) as diagnoses,
    from (
        select sor_code, journal_system, specialty, sum(diagnoses) as diagnoses
        from cells
        group by all
    )
    group by sor_code
),

final as (
    select per_clinic.*, clinics.name
    from per_clinic
    left join clinics using (sor_code)
)

select * from final
