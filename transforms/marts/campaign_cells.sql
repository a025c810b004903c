-- The counts every campaign figure is built from: one row per month, journal system,
-- specialty and clinic. A = aktionsdiagnose, B = bidiagnose, null = unmarked.
-- Variables (unset = no limit): campaign_from, campaign_to (first day of a month).
with

diagnoser as (
    select sor_code, journal_system, specialty, kind, contact_date
    from core.diagnoser
),

clinics as (
    select sor_code, specialty
    from ref.clinics
),

period as (
    select
        cast(getvariable('campaign_from') as date) as from_month,
        cast(getvariable('campaign_to') as date) as to_month,
),

dated as (
    select
        cast(date_trunc('month', diagnoser.contact_date) as date) as month,
        -- the system that delivered the record: a clinic that changed system counts under each in turn
        diagnoser.journal_system,
        -- the record carries the specialty after the split of 8; the register fills a gap
        coalesce(diagnoser.specialty, clinics.specialty) as specialty,
        diagnoser.sor_code,
        diagnoser.kind,
    from diagnoser
    left join clinics using (sor_code)
),

in_period as (
    select dated.*
    from dated, period
    where (period.from_month is null or dated.month >= period.from_month)
      and (period.to_month is null or dated.month <= period.to_month)
),

final as (
    select
        month,
        journal_system,
        specialty,
        sor_code,
        count(*) as diagnoses,
        count(*) filter (where kind = 'A') as a_diagnoses,
        count(*) filter (where kind = 'B') as b_diagnoses,
    from in_period
    group by month, journal_system, specialty, sor_code
)

select * from final
