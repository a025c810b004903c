-- What a correct nightly run publishes, as the monitoring tables count it, rolled up from the
-- parts of expected-parts.sql (of one generation, or summed over the shards of a large inbox).
-- Systems are the clinics' registered systems; the clinic without one is in no system row but in
-- the clinic total and in its specialty.
create or replace table gen.expected as
with cm as (
    select c.system, c.specialty, m.*
    from gen.exp_clinic_months as m join gen.clinics as c using (no)
),

additive as (
    select system, specialty, month,
        grouping(system) as g_system, grouping(specialty) as g_specialty, grouping(month) as g_month,
        count(distinct no) as clinics,
        sum(diagnoser)::bigint as diagnoser, sum(a_diagnoser)::bigint as a_diagnoser, sum(b_diagnoser)::bigint as b_diagnoser,
        sum(epikriser)::bigint as epikriser, sum(b_epikriser)::bigint as b_epikriser
    from cm
    group by grouping sets ((system), (specialty), (), (system, month), (specialty, month), (month))
),

registered as (
    select
        sum(diagnoser)::bigint as diagnoser, sum(a_diagnoser)::bigint as a_diagnoser, sum(b_diagnoser)::bigint as b_diagnoser,
        sum(epikriser)::bigint as epikriser, sum(b_epikriser)::bigint as b_epikriser
    from cm
    where system is not null
),

patients_by as (
    select * from gen.exp_patients where not registered
),

tables as (
    select 'system' as scope, a.system as key, null::varchar as month, a.clinics, p.patients,
        a.diagnoser, a.a_diagnoser, a.b_diagnoser, a.epikriser, a.b_epikriser
    from additive as a join patients_by as p on p.g_system = 0 and p.g_specialty = 1 and p.system = a.system
    where a.g_system = 0 and a.g_month = 1 and a.system is not null
    union all
    -- the seed's Total row: every delivering clinic, the figures of the clinics with a system
    select 'system', 'Total', null,
        (select clinics from additive where g_system = 1 and g_specialty = 1 and g_month = 1),
        (select patients from gen.exp_patients where registered),
        r.diagnoser, r.a_diagnoser, r.b_diagnoser, r.epikriser, r.b_epikriser
    from registered as r
    union all
    select 'specialty', a.specialty::varchar, null, a.clinics, p.patients,
        a.diagnoser, a.a_diagnoser, a.b_diagnoser, a.epikriser, a.b_epikriser
    from additive as a join patients_by as p on p.g_specialty = 0 and p.g_system = 1 and p.specialty = a.specialty
    where a.g_specialty = 0 and a.g_month = 1
    union all
    select 'specialty', 'Total', null, a.clinics, (select patients from patients_by where g_system = 1 and g_specialty = 1),
        a.diagnoser, a.a_diagnoser, a.b_diagnoser, a.epikriser, a.b_epikriser
    from additive as a where a.g_system = 1 and a.g_specialty = 1 and a.g_month = 1
    union all
    select 'system_month', coalesce(system, '(none)'), month, clinics, null::bigint, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from additive where g_system = 0 and g_month = 0
    union all
    select 'specialty_month', specialty::varchar, month, clinics, null::bigint, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from additive where g_specialty = 0 and g_month = 0
    union all
    select 'national_month', 'Total', month, clinics, null::bigint, diagnoser, a_diagnoser, b_diagnoser, epikriser, b_epikriser
    from additive where g_system = 1 and g_specialty = 1 and g_month = 0
),

final as (
    select t.*, coalesce(o.notater, 0) as notater, coalesce(o.laboratoriesvar, 0) as laboratoriesvar
    from tables as t
    left join gen.exp_other as o on t.scope = 'system' and o.key = t.key
    order by t.scope, t.key, t.month
)

select * from final;
