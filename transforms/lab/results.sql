-- Every candidate lab result of this run (lab.results_valued) with where its value falls:
-- inside the hard limits and the soft band, or plausible only when read in another unit
-- (lab.result_alternatives).
-- materialised: view (the few alternatives joined where it is read; a table would copy every row)
with valued as (
    select * from lab.results_valued
),

alternatives as (
    select * from lab.result_alternatives
),

final as (
    select
        valued.*,
        alternatives.units[1] as plausible_as_unit,
        case
            when value_state <> 'numeric' or value_canonical is null or hard_low is null and hard_high is null and soft_low is null then 'not_checked'
            when alternatives.units is not null then 'unit_mixup'
            when value_canonical < hard_low or value_canonical > hard_high then 'implausible'
            when value_canonical < soft_low or value_canonical > soft_high then 'outside_soft'
            else 'ok'
        end as plausibility,
    from valued
    left join alternatives using (row_id)
)

select * from final
