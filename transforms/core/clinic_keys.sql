-- Every clinic reference of this run (SOR code and/or ydernummer, as delivered)
-- resolved to one registered clinic, or to the reason it cannot be. Deliveries
-- have been keyed on SOR codes since Nov 2025; older ones carry only a ydernummer.
-- The pairs are taken from the staged text, each distinct pair cleaned once as the staging views
-- clean them (delivered_record): reading the views would evaluate every row's other columns too.
with refs as (
    {{#kinds union}}
    select delivered.d.sor_code as sor_code, delivered.d.ydernummer as ydernummer
    from (
        select delivered_record(null, sor_code, ydernummer, null) as d
        from (select distinct sor_code, ydernummer from staging.raw_{{kind}})
    ) as delivered
    {{/kinds}}
),

clinics as (
    -- the register this run delivers (ref.clinics gets it only when the run commits), else ref.clinics
    select sor_code, ydernummer, specialty from staging.stg_clinics
    where coalesce(getvariable('register_delivered'), false)
    union all
    select sor_code, ydernummer, specialty from ref.clinics
    where not coalesce(getvariable('register_delivered'), false)
),

by_ydernummer as (
    select ydernummer, min(sor_code) as sor_code, count(*) as clinics
    from clinics
    where ydernummer is not null
    group by ydernummer
),

resolved as (
    select
        refs.sor_code as sor_in,
        refs.ydernummer as yder_in,
        case
            when refs.sor_code is not null then by_sor.sor_code
            when by_ydernummer.clinics = 1 then by_ydernummer.sor_code
        end as sor_code,
        case
            -- an identifier where the clinic should be: said as every CPR finding says it (the
            -- text core/pipeline_findings.sql tells this reason by), never quoted
            when has_cpr(refs.sor_code)
                then 'a CPR number or replacement number appears in this field'
            when refs.sor_code is not null and by_sor.sor_code is null
                then 'SOR code ' || refs.sor_code || ' is not in the clinic register'
            when refs.sor_code is null and refs.ydernummer is null
                then 'neither SOR code nor ydernummer given'
            when refs.sor_code is null and by_ydernummer.clinics is null
                then 'ydernummer ' || refs.ydernummer || ' is not in the clinic register'
            when refs.sor_code is null and by_ydernummer.clinics > 1
                then 'ydernummer ' || refs.ydernummer || ' belongs to ' || by_ydernummer.clinics || ' clinics'
        end as unresolved_reason,
    from refs
    left join clinics as by_sor on by_sor.sor_code = refs.sor_code
    left join by_ydernummer on by_ydernummer.ydernummer = refs.ydernummer
),

final as (
    select
        resolved.*,
        clinics.specialty,
    from resolved
    left join clinics on clinics.sor_code = resolved.sor_code
)

select * from final
