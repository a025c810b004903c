-- The status report's second monitoring table: per specialty (after the split of 8 into
-- 81/82/83), what was published in the period. Every clinic has a specialty, including the one
-- without a journal system, so this table's additive totals exceed the system table's by
-- exactly that clinic's figures. A patient seen in two specialties is counted in both rows;
-- the Total row counts each patient once (the report's table sums the rows instead).
-- Variables (unset = no limit): monitor_from, monitor_to (first day of a month).
-- materialised: query (its rows go to the report only; no model or later run reads them)
with

clinics as (
    select sor_code, specialty
    from ref.clinics
),

specialties as (
    select specialty, name
    from ref.specialties
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

placed as (
    select records.*, clinics.specialty
    from records
    left join clinics using (sor_code)
),

measures as (
    select
        case when specialty is null then 'unregistered' else 'group' end as row_kind,
        specialty,
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
        null::integer as specialty,
        count(distinct sor_code) as klinikker,
        count(distinct patient) as patienter,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from placed
),

-- the sum of the per-specialty patient counts: what the report's Hovedtotal shows
row_sums as (
    select sum(patienter) as patienter_sum_of_rows from measures
),

final as (
    select measures.*, specialties.name as specialenavn, null::bigint as patienter_sum_of_rows
    from measures
    left join specialties using (specialty)
    union all
    select total.*, null, (select patienter_sum_of_rows from row_sums)
    from total
)

select * from final
order by case row_kind when 'group' then 0 when 'unregistered' then 1 else 2 end, specialty
