-- What every code's results look like, with or without a catalogue entry (local, NPU, LOINC):
-- one row per (analysis, unit as delivered) over its results with a value, numeric or censored
-- (a result not yet answered, empty or qualitative has no unit to compare: its missing unit is
-- no second unit): the unit's share of them, and a robust picture of its numeric values
-- (median, MAD, percentiles) that outliers are judged against.
-- A result that names no unit has its own row here, but no unit is not a unit of the analysis:
-- it is neither its main unit nor a second one (lab.unit_missing says it is missing; counted as a
-- unit, every such result was a mix as well). A unit that is not the analysis' main one (of the
-- units named, the one of the most results with a value, numeric or censored: a low-value
-- analysis such as CRP is mostly '<5'; on a tie the catalogue's unit) is
-- compared with it: the ratio of the two medians against the factors the catalogue knows between the two units
-- (lab.known_factors; the analysis' own factor first) says whether the values follow their
-- labels (`as_labelled`: mixed units, convertible), look like the main unit's although the
-- labels differ by a known factor (`mislabelled`), differ by no known factor (`unexplained`),
-- or are too few to tell (`too_few`). Run by `fangst lab-quality` only (lab_profiles).
with results as not materialized (
    -- each measurement once (a re-send or an old version is no second value)
    select * from lab.measurements
    where coalesce(getvariable('lab_profiles'), false)
),

factors as (
    select * from lab.known_factors
),

groups as (
    select
        coalesce(catalogue_code, analysis_code) as analysis,
        unit_norm,
        count(*) as n,
        count(*) filter (where value_state = 'numeric' and value_num is not null) as n_numeric,
        -- the catalogue's unit for the analysis: it is the main one when two units tie
        bool_or(unit_status = 'canonical') as canonical,
        median(value_num) filter (where value_state = 'numeric') as median,
        quantile_cont(value_num, [0.05, 0.25, 0.75, 0.95]) filter (where value_state = 'numeric') as q,
    from results
    where analysis_code is not null and value_state in ('numeric', 'censored')
    group by all
),

spread as (
    -- the median absolute deviation needs each group's median first
    select coalesce(r.catalogue_code, r.analysis_code) as analysis, r.unit_norm, median(abs(r.value_num - g.median)) as mad
    from results as r
    join groups as g on g.analysis = coalesce(r.catalogue_code, r.analysis_code) and g.unit_norm is not distinct from r.unit_norm
    where r.value_state = 'numeric' and r.value_num is not null
    group by all
),

profiled as (
    select
        g.*,
        s.mad,
        g.n / sum(g.n) over (partition by g.analysis) as share,
        count(g.unit_norm) over (partition by g.analysis) as units,
        first_value(g.unit_norm) over main as main_unit,
        first_value(g.median) over main as main_median,
        first_value(g.n_numeric) over main as main_numeric,
    from groups as g
    left join spread as s on s.analysis = g.analysis and s.unit_norm is not distinct from g.unit_norm
    window main as (partition by g.analysis order by g.unit_norm is null, g.n desc, g.n_numeric desc, g.canonical desc, g.unit_norm)
),

explained as (
    -- the known factor from this unit to the main one that best explains the medians' ratio
    select
        p.analysis, p.unit_norm,
        arg_min(f.factor, (f.code = p.analysis)::integer * -10 + abs(ln(p.median * f.factor / p.main_median))) as factor,
        -- the catalogue's analyses may convert the same two units differently (mg/dL -> µmol/L:
        -- creatinine 88.4, bilirubin 17.1): the range, and the analysis' own factor when it has one
        min(f.factor) as factor_low,
        max(f.factor) as factor_high,
        any_value(f.factor) filter (where f.code = p.analysis) as own_factor,
    from profiled as p
    join factors as f on f.from_unit = p.unit_norm and f.to_unit = p.main_unit
    where p.unit_norm is distinct from p.main_unit and p.median > 0 and p.main_median > 0
    group by all
),

final as (
    select
        p.analysis, p.unit_norm, p.n, p.n_numeric, p.share, p.units, p.main_unit, p.main_median,
        p.median, p.mad, p.q[1] as p05, p.q[2] as p25, p.q[3] as p75, p.q[4] as p95,
        p.median / nullif(p.main_median, 0) as ratio_to_main,
        -- why lab.outlier (outliers.sql) does not judge this unit's values: fewer than 20 numeric
        -- ones, or half of them or more one value (MAD 0: a robust z-score has no scale)
        case when p.n_numeric < 20 then 'too_few' when p.mad = 0 then 'mad_zero' end as outliers_not_judged,
        e.factor,
        coalesce(e.own_factor, e.factor_low) as factor_low,
        coalesce(e.own_factor, e.factor_high) as factor_high,
        case
            when p.unit_norm is null or p.units = 1 or p.unit_norm = p.main_unit then null
            -- two names of one unit for this analysis (mEq/L and mmol/L of potassium): no mix
            when e.own_factor = 1 then null
            when p.n_numeric < 5 or p.main_numeric < 5 or p.median is null or p.main_median is null then 'too_few'
            when p.median <= 0 or p.main_median <= 0 then 'unexplained'
            -- within a factor of 1.5 of what the conversion predicts: each value is what its label says
            when e.factor is not null and abs(ln(p.median * e.factor / p.main_median)) < ln(1.5) then 'as_labelled'
            -- alike, although the labels differ by a factor of 2 or more: one of the labels is wrong
            when e.factor is not null and abs(ln(p.median / p.main_median)) < ln(1.5)
                and least(abs(ln(coalesce(e.own_factor, e.factor_low))), abs(ln(coalesce(e.own_factor, e.factor_high)))) > ln(2) then 'mislabelled'
            when abs(ln(p.median / p.main_median)) < ln(1.5) then 'alike'
            else 'unexplained'
        end as verdict,
    from profiled as p
    left join explained as e on e.analysis = p.analysis and e.unit_norm is not distinct from p.unit_norm
)

select * from final
