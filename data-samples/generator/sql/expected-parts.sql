-- What a correct nightly run publishes, in parts that can be summed over the shards of a large
-- inbox (see run.ts): published records per clinic and month, distinct patients per system,
-- specialty and in total (shards never share a patient, so their counts add up), and notes and
-- lab results per system. expected.sql rolls them up into gen.expected.
-- Published: the generator's own answer, computed from the records it wrote with expected =
-- 'published' (calibrated records, riding defects and corrections; never the extra defective
-- records nor replaced first versions).
create or replace table gen.exp_clinic_months as
with published as (
    select no, day, 1 as is_d, (kind = 'A')::int as is_a, (kind = 'B')::int as is_b, 0 as is_e, 0 as is_i from gen.diag where expected = 'published'
    union all
    select no, day, 0, 0, 0, 1, 0 from gen.epi where expected = 'published'
    union all
    select no, day, 0, 0, 0, 0, 1 from gen.img where expected = 'published'
),

final as (
    select no, strftime(day, '%Y-%m') as month,
        sum(is_d) as diagnoser, sum(is_a) as a_diagnoser, sum(is_b) as b_diagnoser, sum(is_e) as epikriser, sum(is_i) as b_epikriser
    from published
    where day between getvariable('p_from') and getvariable('p_to')
    group by all
)

select * from final;

-- the distinct (clinic, patient) pairs for the patient counts
create or replace table gen.exp_patients as
with published as (
    select no, patient, day from gen.diag where expected = 'published'
    union all
    select no, patient, day from gen.epi where expected = 'published'
    union all
    select no, patient, day from gen.img where expected = 'published'
),

pairs as (
    select distinct no, patient from published where day between getvariable('p_from') and getvariable('p_to')
),

patients as (
    select c.system, c.specialty, p.patient
    from pairs as p join gen.clinics as c using (no)
),

final as (
    select system, specialty, grouping(system) as g_system, grouping(specialty) as g_specialty, false as registered,
        count(distinct patient) as patients
    from patients
    group by grouping sets ((system), (specialty), ())
    union all
    -- the seed's Total row counts the patients of the clinics with a system
    select null, null, 1, 1, true, count(distinct patient) from patients where system is not null
)

select * from final;

create or replace table gen.exp_other as
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
group by all;
