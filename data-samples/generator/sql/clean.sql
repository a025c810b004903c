-- The calibrated (clean) records, generated from the clinic plan in gen.clinics and the file
-- layouts in gen.formats. Variables: seed, p_from, p_to, img_from, notes_from, a_ramp, night.
--
-- No window function or sort ever runs over the records themselves (millions of rows): each
-- clinic's records of a kind are spread over its working days by integer weights, so every
-- (clinic, day) knows its range of record numbers j. Record ids, file names and line numbers
-- then follow from running sums over the small day table, and records are expanded with
-- unnest(range(...)) already in file order.

-- working days of each clinic from its enrolment, without its silent week; a seeded weight per
-- day gives every clinic its own day-to-day variation in volume
create or replace table gen.days as
with calendar as (
    select
        no,
        gap_from,
        gap_to,
        unnest(generate_series(enrolled_on::timestamp, getvariable('p_to')::timestamp, interval 1 day))::date as day
    from gen.clinics
),

final as (
    select no, day, (20 + floor(gen_u('day-weight', no * 100000 + (day - date '2000-01-01')) * 80))::bigint as w
    from calendar
    where (getvariable('night') or isodow(day) <= 5)
      and (gap_from is null or day not between gap_from and gap_to)
)

select * from final;

-- per clinic, kind and day: the range [j_from, j_to) of the clinic's records of that kind
create or replace table gen.ranges as
with kinds as (
    select no, 'diagnoser' as kind, a + b + u as n, 0 as j0, null::date as live from gen.clinics
    union all select no, 'epikriser', e, a + b + u, null from gen.clinics
    union all select no, 'billeddiagnostiske_epikriser', be, a + b + u + e, getvariable('img_from') from gen.clinics
    union all select no, 'notater', notes, 0, getvariable('notes_from') from gen.clinics
    union all select no, 'laboratoriesvar', lab, 0, null from gen.clinics
),

weighted as (
    select k.no, k.kind, k.n, k.j0, d.day, case when k.live is null or d.day >= k.live then d.w else 0 end as w_live, d.w
    from kinds as k
    join gen.days as d using (no)
    where k.n > 0
),

-- a kind that went live after the clinic's last day still needs days: use them all
effective as (
    select *, case when sum(w_live) over (partition by no, kind) > 0 then w_live else w end as w_eff
    from weighted
),

cumulative as (
    select *,
        sum(w_eff) over (partition by no, kind order by day rows between unbounded preceding and current row) as cw,
        sum(w_eff) over (partition by no, kind) as cw_total
    from effective
),

spans as (
    select no, kind, day, j0,
        (j0 + ((cw - w_eff) * n) // cw_total)::bigint as j_from,
        (j0 + (cw * n) // cw_total)::bigint as j_to
    from cumulative
),

with_clinic as (
    select s.*, c.sys, f.file_template, f.header, f.fid_base
    from spans as s
    join gen.clinics as c using (no)
    join gen.formats as f on f.sys = c.sys and f.kind = s.kind
    where s.j_to > s.j_from
),

-- record numbers run per system and kind in date order; lines per file in date order
numbered as (
    select *,
        replace(file_template, '{period}', gen_period(day)) as file,
        fid_base + gen_period(day)::bigint as file_id,
        coalesce(sum(j_to - j_from) over (partition by sys, kind order by day, no rows between unbounded preceding and 1 preceding), 0)::bigint as rec_before,
        (coalesce(sum(j_to - j_from) over (partition by sys, kind, gen_period(day) order by day, no rows between unbounded preceding and 1 preceding), 0) + header)::bigint as line_before,
        gen_day_text(sys, kind, day) as day_text
    from with_clinic
)

select * exclude (file_template, fid_base) from numbered
order by sys, kind, file, day, no;

-- the expansion of one kind's ranges into records, with what every kind needs
create or replace macro gen_records(k) as table
    select
        r.no * 100000000 + (case when k = 'notater' then 50000000 when k = 'laboratoriesvar' then 60000000 else 0 end) + jj as uid,
        r.no, r.sys, r.day, r.day as file_day, r.day_text, r.file, r.file_id,
        r.rec_before + (jj - r.j_from) + 1 as rec_n,
        r.line_before + (jj - r.j_from) + 1 as line,
        jj as j,
        c.specialty, c.pool_id, c.patients, c.visits, c.patient_base, c.pool_size, c.sor, c.ydernummer, c.a as n_a, c.b as n_b,
        c.a + c.b + c.u as n_d, c.mixup
    from (select *, unnest(range(j_from, j_to)) as jj from gen.ranges where kind = k) as r
    join gen.clinics as c using (no);

-- A-marking rises over the period: inside each clinic exactly n_a of its n_d diagnoses (in date
-- order j) are A, with a probability that ramps linearly by `slope` from the first record to the
-- last (clipped so it stays a probability). A record is A where the running expected count
-- crosses an integer; the B-marked are spread the same way over the records that are not A.
create or replace macro gen_cum_a(j, n_a, n_d, slope) as
    n_a * j / n_d + slope * n_d * ((j / n_d) ^ 2 - j / n_d) / 2;
create or replace macro gen_slope(n_a, n_d) as
    least(getvariable('a_ramp'), 2 * least(n_a / n_d, 1 - n_a / n_d));

create or replace table gen.diag as
with records as (
    select *,
        gen_slope(n_a, n_d) as slope,
        gen_u('a-offset', no) as u0,
        gen_u('b-offset', no) as u1
    from gen_records('diagnoser')
),

marked as (
    select *,
        floor(gen_cum_a(j + 1, n_a, n_d, slope) + u0) > floor(gen_cum_a(j, n_a, n_d, slope) + u0) as is_a,
        j - floor(gen_cum_a(j, n_a, n_d, slope) + u0)::bigint as k
    from records
),

final as (
    select
        uid, no, sys, rec_n, line, file, file_id, day, file_day, day_text, gen_u('r', uid) as r,
        gen_pseudonym(pool_id, gen_patient_index(j, patients, visits, patient_base, pool_size, gen_u('diag-patient', uid))) as patient,
        gen_pick(sc.codes, gen_u('code', uid)) as code,
        null::varchar as code_raw,
        case
            when is_a then 'A'
            when n_d > n_a and floor(n_b * (k + 1) / (n_d - n_a) + u1) > floor(n_b * k / (n_d - n_a) + u1) then 'B'
        end as kind,
        null::varchar as kind_raw,
        sor as sor_out,
        ydernummer as yder_out,
        null::varchar as defect,
        null::varchar as detail,
        'published' as expected,
        null::varchar as role,
        null::varchar as bad_date
    from marked
    join gen.spec_codes as sc using (specialty)
)

select * from final;

create or replace table gen.epi as
select
    uid, no, sys, rec_n, line, file, file_id, day, file_day, day_text, gen_u('r', uid) as r,
    gen_pseudonym(pool_id, gen_patient_index(j, patients, visits, patient_base, pool_size, gen_u('epi-patient', uid))) as patient,
    gen_pick(['Epikrise', 'Ambulant epikrise', 'Svar til henvisende læge', 'Afsluttende notat til egen læge', 'Epikrise efter forundersøgelse', 'Kontrol - epikrise'], gen_u('epi-title', uid)) as title,
    'Patienten er set i klinikken. '
        || gen_pick(['Der er fundet normale forhold.', 'Tilstanden er i bedring.', 'Der er påbegyndt behandling.', 'Tilstanden er uændret.', 'Der er taget prøver, svar følger.', 'Der ses let forværring.'], gen_u('epi-t1', uid)) || ' '
        || gen_pick(['Kontrol om tre måneder.', 'Afsluttes til egen læge.', 'Ny tid om et år.', 'Henvises til sygehus.', 'Fortsætter uændret behandling.', 'Genhenvisning ved behov.'], gen_u('epi-t2', uid)) as text,
    sor as sor_out,
    ydernummer as yder_out,
    null::varchar as defect,
    null::varchar as detail,
    'published' as expected,
    null::varchar as role,
    null::varchar as bad_date
from gen_records('epikriser');

-- imaging epikriser: live from img_from
create or replace table gen.img as
select
    uid, no, sys, rec_n, line, file, file_id, day, file_day, day_text, gen_u('r', uid) as r,
    gen_pseudonym(pool_id, gen_patient_index(j, patients, visits, patient_base, pool_size, gen_u('img-patient', uid))) as patient,
    gen_pick(['Røntgen af thorax', 'MR-scanning af knæ', 'CT af columna lumbalis', 'Ultralyd af abdomen', 'Røntgen af hånd', 'MR-scanning af skulder', 'Mammografi', 'Ultralyd af glandula thyroidea', 'Røntgen af hofte'], gen_u('img-exam', uid)) as examination,
    gen_pick(['Ingen tegn på fraktur.', 'Normale forhold.', 'Lette degenerative forandringer.', 'Ingen fokale forandringer.', 'Mistanke om menisklæsion, anbefaler ortopædkirurgisk vurdering.', 'Væskeansamling, kontrol anbefales.'], gen_u('img-text', uid)) as text,
    sor as sor_out,
    ydernummer as yder_out,
    null::varchar as defect,
    null::varchar as detail,
    'published' as expected,
    null::varchar as role,
    null::varchar as bad_date
from gen_records('billeddiagnostiske_epikriser');

-- clinical notes from the pilot clinics, live from notes_from; times are Danish local time
create or replace table gen.notes as
select
    uid, no, sys, rec_n, line, file, file_id, day, file_day, day_text, gen_u('r', uid) as r,
    day::timestamp + to_minutes((480 + floor(gen_u('note-min', uid) * 480))::bigint) as note_time,
    gen_pseudonym(pool_id, patient_base + floor(gen_u('note-patient', uid) * patients)::bigint) as patient,
    gen_pick(['Konsultation', 'Telefonkonsultation', 'Journalnotat', 'E-mailkonsultation', 'Videokonsultation'], gen_u('note-type', uid)) as note_type,
    gen_pick(['Pt. henvendt sig med', 'Opfølgning på', 'Samtale om', 'Gennemgang af'], gen_u('note-t1', uid)) || ' '
        || gen_pick(['prøvesvar', 'medicinændring', 'bivirkninger', 'smerter i knæet', 'søvnbesvær', 'hudforandringer', 'øresusen'], gen_u('note-t2', uid)) || '. '
        || gen_pick(['Aftalt ny kontrol.', 'Ingen ændringer.', 'Recept fornyet.', 'Informeret om forløbet.'], gen_u('note-t3', uid)) as text,
    sor as sor_out,
    ydernummer as yder_out,
    null::varchar as defect,
    null::varchar as detail,
    'published' as expected,
    null::varchar as role,
    null::varchar as bad_date
from gen_records('notater');
