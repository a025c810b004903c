-- The status report's first monitoring table: per journal system, what was published in the
-- period. A clinic belongs to the journal system the register names for it (ref.clinics), not to
-- the vendor whose files carried a record: the one enrolled clinic whose register row names no
-- system is in no system row ('unregistered'), but it is counted in the Total row's Klinikker,
-- as in the report (the system rows add up to 970 clinics, the total says 971).
-- Klinikker and Patienter are distinct counts (not additive); the other columns are additive
-- and the Total row's additive figures are the sums of the system rows.
-- Variables (unset = no limit): monitor_from, monitor_to (first day of a month).
-- materialised: query (its rows go to the report only; no model or later run reads them)
with

clinics as (
    select sor_code, journal_system
    from ref.clinics
),

period as (
    select
        coalesce(cast(getvariable('monitor_from') as date), date '0001-01-01') as first_day,
        coalesce(cast(getvariable('monitor_to') as date) + interval 1 month, date '9999-01-01') as after_last_day
),

records as (
    select sor_code, patient, kind, 'diagnoser' as data_kind
    from core.diagnoser, period
    where contact_date >= first_day and contact_date < after_last_day
    union all
    select sor_code, patient, null, 'epikriser'
    from core.epikriser, period
    where written_date >= first_day and written_date < after_last_day
    union all
    select sor_code, patient, null, 'billeddiagnostiske_epikriser'
    from core.billeddiagnostiske_epikriser, period
    where written_date >= first_day and written_date < after_last_day
),

-- records of a clinic missing from the register count as unregistered too
placed as (
    select records.*, clinics.journal_system
    from records
    left join clinics using (sor_code)
),

per_group as (
    select
        case when journal_system is null then 'unregistered' else 'group' end as row_kind,
        journal_system,
        count(distinct sor_code) as klinikker,
        count(distinct patient) as patienter,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from placed
    group by all
),

total as (
    select
        'total' as row_kind,
        null::varchar as journal_system,
        (select count(distinct sor_code) from placed) as klinikker,
        count(distinct patient) as patienter,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from placed
    where journal_system is not null
),

final as (
    select * from per_group
    union all
    select * from total
)

select * from final
order by case row_kind when 'group' then 0 when 'unregistered' then 1 else 2 end, journal_system
