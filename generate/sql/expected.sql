-- What a correct nightly run publishes, as the monitoring tables count it: the generator's own
-- answer, computed from the records it wrote with expected = 'published' (calibrated records,
-- riding defects and corrections; never the extra defective records nor replaced first versions).
-- Systems are the clinics' registered systems; the clinic without one is in no system row but in
-- the clinic total and in its specialty. One pass with grouping sets over the records.
create or replace table gen.expected as
with published as (
    select no, patient, day, 'diagnoser' as data_kind, kind from gen.diag where expected = 'published'
    union all
    select no, patient, day, 'epikriser', null from gen.epi where expected = 'published'
    union all
    select no, patient, day, 'billeddiagnostiske_epikriser', null from gen.img where expected = 'published'
),

in_period as (
    select p.no, p.patient, p.data_kind, p.kind, c.system, c.specialty, strftime(p.day, '%Y-%m') as month
    from published as p
    join gen.clinics as c using (no)
    where p.day between getvariable('p_from') and getvariable('p_to')
),

grouped as (
    select
        system, specialty, month,
        grouping(system) as g_system, grouping(specialty) as g_specialty, grouping(month) as g_month,
        count(distinct no) as clinics,
        count(distinct patient) as patients,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from in_period
    group by grouping sets ((system), (specialty), (), (system, month), (specialty, month), (month))
),

-- the seed's Total row of the system table: every delivering clinic, the additive figures
-- (and distinct patients) of the clinics with a registered system
registered_total as (
    select
        count(distinct patient) as patients,
        count(*) filter (where data_kind = 'diagnoser') as diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'A') as a_diagnoser,
        count(*) filter (where data_kind = 'diagnoser' and kind = 'B') as b_diagnoser,
        count(*) filter (where data_kind = 'epikriser') as epikriser,
        count(*) filter (where data_kind = 'billeddiagnostiske_epikriser') as b_epikriser
    from in_period
    where system is not null
),

tables as (
    -- whole period per system (clinics with a registered system)
    select 'system' as scope, system as key, null::varchar as month, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_system = 0 and g_month = 1 and system is not null
    union all
    select 'system', 'Total', null, (select clinics from grouped where g_system = 1 and g_specialty = 1 and g_month = 1), t.*
    from registered_total as t
    union all
    select 'specialty', specialty::varchar, null, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_specialty = 0 and g_month = 1
    union all
    select 'specialty', 'Total', null, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_system = 1 and g_specialty = 1 and g_month = 1
    union all
    select 'system_month', coalesce(system, '(none)'), month, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_system = 0 and g_month = 0
    union all
    select 'specialty_month', specialty::varchar, month, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_specialty = 0 and g_month = 0
    union all
    select 'national_month', 'Total', month, clinics, patients, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from grouped where g_system = 1 and g_specialty = 1 and g_month = 0
),

other_counts as (
    select coalesce(c.system, '(none)') as key,
        count(*) filter (where x.data_kind = 'notater') as notater,
        count(*) filter (where x.data_kind = 'laboratoriesvar') as laboratoriesvar
    from (
        select no, day, 'notater' as data_kind from gen.notes where expected = 'published'
        union all
        select no, day, 'laboratoriesvar' from gen.lab where expected = 'published'
    ) as x
    join gen.clinics as c using (no)
    where x.day between getvariable('p_from') and getvariable('p_to')
    group by all
),

final as (
    select t.*, coalesce(o.notater, 0) as notater, coalesce(o.laboratoriesvar, 0) as laboratoriesvar
    from tables as t
    left join other_counts as o on t.scope = 'system' and o.key = t.key
    order by t.scope, t.key, t.month
)

select * from final;
