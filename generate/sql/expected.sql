-- What a correct nightly run publishes, as the monitoring tables count it: the generator's own
-- answer, computed from the records it wrote with expected = 'published' (calibrated records,
-- riding defects and corrections; never the extra defective records nor replaced first versions).
-- Systems are the clinics' registered systems; the clinic without one is in no system row but in
-- the clinic total and in its specialty.
-- Two passes over the records only: counts per clinic and month (a few thousand rows, rolled up
-- afterwards) and the distinct (clinic, patient) pairs for the patient counts.
create or replace table gen.expected as
with published as (
    select no, patient, day, 1 as is_d, (kind = 'A')::int as is_a, (kind = 'B')::int as is_b, 0 as is_e, 0 as is_i from gen.diag where expected = 'published'
    union all
    select no, patient, day, 0, 0, 0, 1, 0 from gen.epi where expected = 'published'
    union all
    select no, patient, day, 0, 0, 0, 0, 1 from gen.img where expected = 'published'
),

in_period as (
    select * from published where day between getvariable('p_from') and getvariable('p_to')
),

clinic_months as (
    select no, strftime(day, '%Y-%m') as month,
        sum(is_d) as diagnoser, sum(is_a) as a_diagnoser, sum(is_b) as b_diagnoser, sum(is_e) as epikriser, sum(is_i) as b_epikriser
    from in_period
    group by all
),

pairs as (
    select distinct no, patient from in_period
),

cm as (
    select c.system, c.specialty, m.*
    from clinic_months as m join gen.clinics as c using (no)
),

patients as (
    select c.system, c.specialty, p.patient
    from pairs as p join gen.clinics as c using (no)
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
    select system, specialty, grouping(system) as g_system, grouping(specialty) as g_specialty, count(distinct patient) as patients
    from patients
    group by grouping sets ((system), (specialty), ())
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
        (select count(distinct patient) from patients where system is not null),
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
