-- The counts every campaign figure is built from: one row per month, journal system,
-- specialty and clinic. A = aktionsdiagnose, B = bidiagnose, null = unmarked.
-- A contact is one patient at one clinic on one day; contacts_one_a counts those with exactly
-- one A (the registration rule: one aktionsdiagnose per contact, any number of bidiagnoser).
-- Variables (unset = no limit): campaign_from, campaign_to (first day of a month).
with

diagnoser as (
    select sor_code, patient, journal_system, specialty, kind, contact_date
    from core.diagnoser
),

clinics as (
    select sor_code, specialty, journal_system as registered_system
    from ref.clinics
),

period as (
    select
        cast(getvariable('campaign_from') as date) as from_month,
        cast(getvariable('campaign_to') as date) as to_month,
),

in_period as (
    select diagnoser.*
    from diagnoser, period
    where (period.from_month is null or diagnoser.contact_date >= period.from_month)
      and (period.to_month is null or diagnoser.contact_date < period.to_month + interval 1 month)
),

-- count first, join after: the register join then touches thousands of cells, not millions of rows
counted as (
    select
        cast(date_trunc('month', contact_date) as date) as month,
        -- the system that delivered the record: a clinic that changed system counts under each in turn
        journal_system,
        specialty,
        sor_code,
        count(*) as diagnoses,
        count(*) filter (where kind = 'A') as a_diagnoses,
        count(*) filter (where kind = 'B') as b_diagnoses,
        0 as contacts,
        0 as contacts_one_a,
    from in_period
    group by all
),

-- A contact's records share its system and specialty; one that came under two (a clinic that
-- changed system, the day of the change in both exports) is counted once, so that every contact
-- is in exactly one cell and the cells add up: under the system that delivered its A, so that no
-- system is credited with an A another delivered; without an A, under the first of them.
contacts as (
    select
        sor_code,
        coalesce(min(journal_system) filter (where kind = 'A'), min(journal_system)) as journal_system,
        coalesce(min(specialty) filter (where kind = 'A'), min(specialty)) as specialty,
        cast(date_trunc('month', contact_date) as date) as month,
        count(*) filter (where kind = 'A') = 1 as one_a,
    from in_period
    group by sor_code, patient, contact_date
),

contacts_counted as (
    select
        month,
        journal_system,
        specialty,
        sor_code,
        0 as diagnoses,
        0 as a_diagnoses,
        0 as b_diagnoses,
        count(*) as contacts,
        count(*) filter (where one_a) as contacts_one_a,
    from contacts
    group by all
),

both_counts as (
    select * from counted
    union all by name
    select * from contacts_counted
),

final as (
    select
        counted.month,
        counted.journal_system,
        -- the record carries the specialty after the split of 8; the register fills a gap
        coalesce(counted.specialty, clinics.specialty) as specialty,
        counted.sor_code,
        -- the register's system: null for a clinic registered without one, which the status
        -- report's per-system table leaves out (its total is then short of the national one)
        clinics.registered_system,
        sum(counted.diagnoses) as diagnoses,
        sum(counted.a_diagnoses) as a_diagnoses,
        sum(counted.b_diagnoses) as b_diagnoses,
        sum(counted.contacts) as contacts,
        sum(counted.contacts_one_a) as contacts_one_a,
    from both_counts as counted
    left join clinics using (sor_code)
    group by all
)

select * from final
