-- Lab results measured in the clinic: analyses from the specialty's panel, values drawn around
-- the analysis' mean (normal or log-normal), censored below a detection limit, qualitative stix
-- results, a few not yet answered ('*****'). Numbers are written with '.' here; the layouts
-- turn them into decimal commas where a system uses them.
create or replace table gen.lab as
with drawn as (
    select r.*, gen_pick(sp.analyses, gen_u('lab-analysis', r.uid)) as analysis
    from gen_records('laboratoriesvar') as r
    join gen.spec_panel as sp on sp.specialty = r.specialty
),

valued as (
    select
        dr.*,
        an.code,
        an.name,
        an.unit,
        an.ref_low as ref_lo,
        an.ref_high as ref_hi,
        an.ref_low_text,
        an.ref_high_text,
        an.decimals,
        an.hard_low,
        an.hard_high,
        an.censor_below,
        an.qual,
        -- clean values stay inside the catalogue's hard limits (a wide sd, such as INR's,
        -- would otherwise reach past them and a clean row would look implausible)
        case
            when an.qual is not null then null
            else least(coalesce(an.hard_high, 'infinity'::double), greatest(coalesce(an.hard_low, '-infinity'::double),
                case
                    when an.lognormal then exp(
                        ln(an.mean) - ln(1 + (an.sd / an.mean) ^ 2) / 2
                        + sqrt(ln(1 + (an.sd / an.mean) ^ 2)) * gen_z('lab-z', dr.uid))
                    else an.mean + an.sd * gen_z('lab-z', dr.uid)
                end))
        end as raw,
        case
            when gen_u('lab-status', dr.uid) < 0.01 then 'proeve_modtaget'
            when gen_u('lab-status', dr.uid) < 0.03 then 'svar_rettet'
            else 'svar_endeligt'
        end as status,
        -- each system has its habitual spelling of a censored value, and strays from it
        case
            when gen_u('lab-censor-style', dr.uid) < 0.7 then (gen_h('censor-habit', dr.sys) % 4)::int
            else floor(gen_u('lab-censor-style2', dr.uid) * 4)::int
        end as censor_style,
        dr.day::timestamp + to_minutes((480 + floor(gen_u('lab-min', dr.uid) * 450))::bigint) as sampled_at
    from drawn as dr
    join gen.analyses as an on an.key = dr.analysis
),

final as (
    select
        uid, no, sys, rec_n, line, file, file_id, day, file_day, day_text, gen_u('r', uid) as r,
        gen_pseudonym(pool_id, patient_base + floor(gen_u('lab-patient', uid) * patients)::bigint) as patient,
        analysis,
        code,
        case when code like 'NPU%' then 'NPU' else 'DNK' end as code_system,
        name,
        case
            when status = 'proeve_modtaget' then '*****'
            when qual is not null then gen_pick(qual, gen_u('lab-qual', uid))
            when censor_below is not null and raw < censor_below then
                case censor_style
                    when 0 then '<' || gen_fmt(censor_below, 3).rtrim('0').rtrim('.')
                    when 1 then '< ' || gen_fmt(censor_below, decimals + 1)
                    else gen_fmt(censor_below, 3).rtrim('0').rtrim('.')
                end
            else gen_fmt(round(raw, decimals), decimals)
        end as value_text,
        case when status <> 'proeve_modtaget' and qual is null and not (censor_below is not null and raw < censor_below) then round(raw, decimals) end as value_num,
        case
            when status <> 'proeve_modtaget' and qual is null and censor_below is not null and raw < censor_below then
                case censor_style when 2 then 'mindre_end' when 3 then '<' end
        end as operator,
        nullif(unit, '') as unit,
        ref_low_text as ref_low,
        ref_high_text as ref_high,
        case when qual is not null then 'neg' end as ref_text,
        case
            when status = 'proeve_modtaget' then null
            when qual is not null then case when gen_pick(qual, gen_u('lab-qual', uid)) <> 'neg' then 'unormal' end
            when censor_below is not null and raw < censor_below then null
            when round(raw, decimals) > ref_hi then 'for_hoej'
            when round(raw, decimals) < ref_lo then 'for_lav'
        end as flag,
        status,
        sampled_at,
        case when status <> 'proeve_modtaget' then sampled_at + to_minutes((5 + floor(gen_u('lab-delay', uid) * 115))::bigint) end as resulted_at,
        sor as sor_out,
        ydernummer as yder_out,
        case when status <> 'proeve_modtaget' and qual is null and censor_below is not null and raw < censor_below then 'lab_censored' end as defect,
        case
            when status <> 'proeve_modtaget' and qual is null and censor_below is not null and raw < censor_below then
                case censor_style when 0 then 'value "<n"' when 1 then 'value "< n.n"' when 2 then 'operator mindre_end + value' else 'operator "<" + value' end
        end as detail,
        'published' as expected,
        null::varchar as role,
        mixup
    from valued
)

select * from final;
