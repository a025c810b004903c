-- lab.outlier, per row: a numeric value far from the other values of its analysis in the same
-- unit, for any code, with or without a catalogue entry: its robust z-score (0.6745 x distance
-- from the median / MAD, Iglewicz and Hoaglin) beyond 5, among at least 20 numeric values with a
-- spread (MAD > 0). Past 5 rather than their 3.5: lab values are skewed, and a finding should be
-- worth reading. When the value divided by the median is near (within 15%) a factor the
-- catalogue knows from this unit to another (lab.known_factors) or a power of ten, the detail
-- names it: a total protein of 70 "g/dL" among values near 7 reads as g/L. An analysis in the
-- catalogue is read by its own factors only (a glucose 4 times its median is not "as if in
-- mg/dL" by ionised calcium's 4.008); a code without an entry by any analysis' factors.
with results as not materialized (
    select * from lab.results
),

profiles as (
    select * from lab.code_profiles where outliers_not_judged is null
),

factors as (
    select code, from_unit, to_unit, factor from lab.known_factors
    union all
    select null, null, null, unnest([10, 100, 1000, 0.1, 0.01, 0.001])
),

far as (
    select r.row_id, r.value_num, r.value_text, r.unit_norm, r.catalogue_code, coalesce(r.catalogue_code, r.analysis_code) as analysis, p.median, p.mad,
        0.6745 * (r.value_num - p.median) / p.mad as z,
    from results as r
    join profiles as p on p.analysis = coalesce(r.catalogue_code, r.analysis_code) and p.unit_norm is not distinct from r.unit_norm
    where r.value_state = 'numeric' and abs(0.6745 * (r.value_num - p.median) / p.mad) > 5
),

named as (
    -- the factor nearest to value / median: a usual value m in from_unit is m x factor in to_unit,
    -- so a value near that is one written in to_unit under the from_unit label
    select far.row_id, arg_min(f.to_unit, abs(ln(far.value_num / far.median / f.factor))) as as_unit,
        arg_min(f.factor, abs(ln(far.value_num / far.median / f.factor))) as times,
    from far
    join factors as f on (f.from_unit is null or f.from_unit = far.unit_norm)
        and (f.code is null or far.catalogue_code is null or f.code = far.catalogue_code)
    where far.value_num > 0 and far.median > 0 and abs(ln(far.value_num / far.median / f.factor)) < ln(1.15)
    group by far.row_id
),

final as (
    select far.row_id, 'outlier' as check_name, 'value' as column_name,
        'value ' || far.value_text || coalesce(' ' || far.unit_norm, '') || ' is far from the other ' || far.analysis
            || ' values in that unit (median ' || number_text(far.median, 3) || ', MAD ' || number_text(far.mad, 3) || ', robust z ' || number_text(far.z, 1) || ')'
            || case
                when named.times is not null then '; about ' || number_text(named.times, 4) || ' times the median'
                    || coalesce(', as if it were in ' || named.as_unit, ', a power of ten')
                else ''
            end as detail
    from far
    left join named using (row_id)
)

select * from final
