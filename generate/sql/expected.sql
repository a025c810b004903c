-- What a correct nightly run publishes, as the monitoring tables count it: the generator's own
-- answer, computed from the records it wrote with expected = 'published' (calibrated records,
-- riding defects and corrections; never the extra defective records nor replaced first versions).
-- Systems are the clinics' registered systems; the clinic without one is in no system row but in
-- the clinic total and in its specialty.
create or replace table gen.expected as
with published as (
    select no, patient, day, 'diagnoser' as data_kind, kind from gen.diag  where expected = 'published'
    union all
    select no, patient, day, 'epikriser', null from gen.epi  where expected = 'published'
    union all
    select no, patient, day, 'billeddiagnostiske_epikriser', null from gen.img  where expected = 'published'
),

in_period as (
    select p.*, c.system, c.specialty, strftime(p.day, '%Y-%m') as month
    from published as p
    join gen.clinics as c using (no)
    where p.day between getvariable('p_from') and getvariable('p_to')
),

other_kinds as (
    select c.system, c.specialty, strftime(x.day, '%Y-%m') as month, x.data_kind
    from (
        select no, day, 'notater' as data_kind from gen.notes  where expected = 'published'
        union all
        select no, day, 'laboratoriesvar' from gen.lab  where expected = 'published'
    ) as x
    join gen.clinics as c using (no)
    where x.day between getvariable('p_from') and getvariable('p_to')
),

measures as (
    select
        count(distinct no) as clinics,
        count(distinct patient) as patients,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from in_period
),

by_system as (
    select 'system' as scope, system as key, null::varchar as month,
        count(distinct no) as clinics, count(distinct patient) as patients,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from in_period
    where system is not null
    group by system
),

-- the seed's Total row: every delivering clinic, additive figures of the system rows
system_total as (
    select 'system' as scope, 'Total' as key, null::varchar as month,
        (select count(distinct no) from in_period) as clinics, count(distinct patient) as patients,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from in_period
    where system is not null
),

by_specialty as (
    select 'specialty' as scope, specialty::varchar as key, null::varchar as month,
        count(distinct no), count(distinct patient),
        count(*) filter (where data_kind = 'diagnoser'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B'),
        count(*) filter (where data_kind = 'epikriser'),
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser')
    from in_period
    group by specialty
),

specialty_total as (
    select 'specialty' as scope, 'Total' as key, null::varchar as month, * from measures
),

system_month as (
    select 'system_month' as scope, coalesce(system, '(none)') as key, month,
        count(distinct no), null::bigint,
        count(*) filter (where data_kind = 'diagnoser'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B'),
        count(*) filter (where data_kind = 'epikriser'),
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser')
    from in_period
    group by all
),

specialty_month as (
    select 'specialty_month' as scope, specialty::varchar as key, month,
        count(distinct no), null::bigint,
        count(*) filter (where data_kind = 'diagnoser'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B'),
        count(*) filter (where data_kind = 'epikriser'),
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser')
    from in_period
    group by all
),

national_month as (
    select 'national_month' as scope, 'Total' as key, month,
        count(distinct no), null::bigint,
        count(*) filter (where data_kind = 'diagnoser'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A'),
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B'),
        count(*) filter (where data_kind = 'epikriser'),
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser')
    from in_period
    group by all
),

tables as (
    select * from by_system
    union all select * from system_total
    union all select * from by_specialty
    union all select * from specialty_total
    union all select * from system_month
    union all select * from specialty_month
    union all select * from national_month
),

other_counts as (
    select 'system' as scope, coalesce(system, '(none)') as key, null::varchar as month,
        count(*) filter (where data_kind = 'notater') as notater,
        count(*) filter (where data_kind = 'laboratoriesvar') as laboratoriesvar
    from other_kinds
    group by all
),

final as (
    select t.*, coalesce(o.notater, 0) as notater, coalesce(o.laboratoriesvar, 0) as laboratoriesvar
    from tables as t
    left join other_counts as o on o.scope = t.scope and o.key = t.key and o.month is null and t.month is null
    order by t.scope, t.key, t.month
)

select * from final;
