-- lab.unit_mixed, per row: a result in a unit other than its analysis' main unit, when the
-- analysis comes in more than one (lab.code_profiles), for any code, with or without a catalogue
-- entry; a result without a unit is no mix (lab.unit_missing says so). The detail says what the
-- medians show: values that follow their labels (convertible by the known factor), values alike
-- under labels a known factor apart (a wrong label), or no known factor. One row per flagged
-- result, in the shape of the row findings.
with results as not materialized (
    -- the results code_profiles compares units of: those with a numeric or censored value
    select * from lab.results where value_state in ('numeric', 'censored')
),

profiles as (
    select * from lab.code_profiles where verdict is not null
),

final as (
    select r.row_id, 'unit_mixed' as check_name, 'unit' as column_name,
        coalesce(r.catalogue_code, r.analysis_code) || ' comes in ' || p.units || ' units; ' || coalesce(p.unit_norm, 'no unit')
            || ' (' || number_text(100 * p.share, 1) || '% of its results with a value) is not the main ' || p.main_unit || ': '
            || case p.verdict
                when 'as_labelled' then 'its values follow the label (median ' || number_text(p.median, 3) || ', times the known factor '
                    || number_text(p.factor, 4) || ' = ' || number_text(p.median * p.factor, 3) || ' ' || p.main_unit || '): convertible'
                when 'mislabelled' then 'its values look like ' || p.main_unit || ' values (median ' || number_text(p.median, 3) || ' against '
                    || number_text(p.main_median, 3) || ') although 1 ' || p.unit_norm || ' = '
                    || case when p.factor_low = p.factor_high then number_text(p.factor_low, 4)
                        else number_text(p.factor_low, 4) || ' to ' || number_text(p.factor_high, 4) end
                    || ' ' || p.main_unit || case when p.factor_low = p.factor_high then '' else ' (by analysis)' end
                    || ': one of the labels is wrong'
                when 'alike' then 'its values are alike (median ' || number_text(p.median, 3) || ', ratio ' || number_text(p.ratio_to_main, 3) || ')'
                when 'unexplained' then 'its median ' || number_text(p.median, 3) || ' is ' || number_text(p.ratio_to_main, 3)
                    || ' times the main one, a factor no known conversion between the two units explains'
                else 'too few numeric results to compare the two'
            end as detail
    from results as r
    join profiles as p
        on p.analysis = coalesce(r.catalogue_code, r.analysis_code) and p.unit_norm is not distinct from r.unit_norm
)

select * from final
