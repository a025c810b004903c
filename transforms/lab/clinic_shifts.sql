-- Per analysis, each clinic's distribution of numeric values (in the canonical unit) against
-- the rest, robustly: medians, quartiles and the median absolute deviation. A clinic whose
-- values are shifted or scaled far beyond the spread of the rest is named, and when reading its
-- numbers in one of the analysis' other units (catalogue conversions: HbA1c % vs mmol/mol, Hb
-- g/dL vs mmol/L, glucose mg/dL vs mmol/L, creatinine mg/dL vs µmol/L, ...) brings them in line
-- with the rest, that unit is named as the likely cause.
-- A clinic with only a few results, all of them plausible only in the same other unit, is named
-- too (too few for a distribution, but the same mix-up).
-- Two passes: the reference for "the rest" leaves out every clinic that the first pass found
-- far from the median of the clinics' medians (one vote per clinic), so one broken clinic, even
-- one that sends most of the results, does not set the yardstick the others are measured with.
with results as not materialized (
    -- read in place by values_ and all_in_other_unit: a CTE read twice would otherwise be copied whole
    select * from lab.results
),

units as (
    select * from lab.catalogue_units
),

values_ as (
    select catalogue_code as analysis, clinic, journal_system, value_canonical as v
    from results
    where value_state = 'numeric' and value_canonical is not null and unit_status in ('canonical', 'missing', 'converted')
),

clinics as (
    select
        analysis, clinic, any_value(journal_system) as journal_system, count(*) as n,
        quantile_cont(v, 0.25) as q25, median(v) as med, quantile_cont(v, 0.75) as q75,
    from values_
    group by analysis, clinic
),

clinic_spread as (
    select analysis, clinic, median(abs(v - m)) as mad
    from (select *, median(v) over (partition by analysis, clinic) as m from values_)
    group by analysis, clinic
),

centre as (
    -- one vote per clinic: a clinic that sends most of an analysis' results (and may be the
    -- broken one) does not decide what normal looks like
    select
        c.analysis,
        median(c.med) as med,
        greatest(median(s.mad) filter (where c.n >= 10), 1e-9) as mad,
    from clinics as c
    join clinic_spread as s using (analysis, clinic)
    group by c.analysis
),

far_off as (
    -- first pass: clinics far from the centre of the clinics
    select clinics.analysis, clinics.clinic
    from clinics
    join centre using (analysis)
    where abs(clinics.med - centre.med) > 3 * 1.4826 * coalesce(centre.mad, 1e-9)
),

rest_values as (
    select values_.*
    from values_
    anti join far_off using (analysis, clinic)
),

rest as (
    select
        analysis, count(*) as n_rest, count(distinct clinic) as clinics_rest,
        quantile_cont(v, 0.25) as q25, median(v) as med, quantile_cont(v, 0.75) as q75,
    from rest_values
    group by analysis
),

rest_mad as (
    select analysis, median(abs(v - m)) as mad
    from (select rest_values.*, rest.med as m from rest_values join rest using (analysis))
    group by analysis
),

compared as (
    select
        c.analysis,
        c.clinic,
        c.journal_system,
        c.n,
        c.q25, c.med, c.q75,
        r.n_rest - case when f.clinic is null then c.n else 0 end as n_rest,
        r.q25 as rest_q25, r.med as rest_med, r.q75 as rest_q75,
        greatest(1.4826 * m.mad, 1e-9) as rest_sd,
        -- robust standardised difference of medians, and the factor between the distributions
        (c.med - r.med) / greatest(1.4826 * m.mad, 1e-9) as shift_sd,
        case when r.med <> 0 then c.med / r.med end as ratio_median,
        case when r.q25 <> 0 then c.q25 / r.q25 end as ratio_q25,
        case when r.q75 <> 0 then c.q75 / r.q75 end as ratio_q75,
    from clinics as c
    left join rest as r using (analysis)
    left join rest_mad as m using (analysis)
    left join far_off as f using (analysis, clinic)
),

explained as (
    -- Read the clinic's numbers as if they were in another unit of the analysis: either it
    -- sent unit u under the canonical unit's code (canonical = v * factor + offset_), or its
    -- values were converted although they already were canonical (the inverse).
    select
        c.analysis, c.clinic, u.unit, u.factor, u.offset_, h.direction,
        abs((case h.direction when 'as' then c.med * u.factor + u.offset_ else (c.med - u.offset_) / u.factor end) - c.rest_med)
            / c.rest_sd as residual_sd,
    from compared as c
    join units as u on u.code = c.analysis and not (u.factor = 1 and u.offset_ = 0)
    cross join (values ('as'), ('inverse')) as h(direction)
),

all_in_other_unit as (
    -- Too few results for a distribution, but every one of them is implausible as delivered and
    -- ordinary in the same other unit (lab.results.plausible_as_unit): the clinic sends that unit.
    select catalogue_code as analysis, clinic, any_value(plausible_as_unit) as unit
    from results
    where value_state = 'numeric' and value_canonical is not null and unit_status in ('canonical', 'missing', 'converted')
    group by catalogue_code, clinic
    having count(*) >= 2
        and count(*) filter (where plausibility = 'unit_mixup') = count(*)
        and count(distinct plausible_as_unit) = 1
),

best as (
    select analysis, clinic, arg_min(unit, residual_sd) as unit, arg_min(factor, residual_sd) as factor,
        arg_min(offset_, residual_sd) as offset_, arg_min(direction, residual_sd) as direction, min(residual_sd) as residual_sd
    from explained
    group by analysis, clinic
),

matched as (
    -- The unit explains the clinic when it brings the clinic's median within 0.5 SD of the
    -- rest's, or takes away 85% of its distance: a clinic that sent most, not all, of its
    -- results in that unit (it changed units within the period) has a median of a mix, and its
    -- own patients need not sit at the rest's median either. Its results are then told apart
    -- one by one (likely_part; lab/row_findings.sql).
    select
        c.*,
        b.unit, b.direction, b.factor, b.offset_, b.residual_sd,
        b.residual_sd < 0.5 as whole,
        b.residual_sd < greatest(0.5, 0.15 * abs(c.shift_sd)) as part,
    from compared as c
    left join best as b using (analysis, clinic)
),

final as (
    select
        c.* exclude (unit, direction, factor, offset_, residual_sd, whole, part),
        -- enough values on both sides, and far off: more than 1.5 robust SDs of the rest
        coalesce(c.n >= 10 and c.n_rest >= 30 and abs(c.shift_sd) > 1.5, false) or a.unit is not null as shifted,
        case when a.unit is not null then a.unit when c.part then c.unit end as likely_unit,
        case when a.unit is not null then 'as' when c.part then c.direction end as likely_direction,
        case when a.unit is not null then u.factor when c.part then c.factor end as likely_factor,
        case when a.unit is not null then u.offset_ when c.part then c.offset_ end as likely_offset,
        c.residual_sd as likely_residual_sd,
        a.unit is null and c.part and not c.whole as likely_part,
    from matched as c
    left join all_in_other_unit as a using (analysis, clinic)
    left join units as u on u.code = a.analysis and u.unit = a.unit
)

select * from final
