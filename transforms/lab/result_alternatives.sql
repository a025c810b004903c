-- For a lab result outside the hard limits: the other units of the analysis in which the number
-- as delivered would be an ordinary value (inside the soft band, or the hard limits when the
-- catalogue gives no band), nearest conversion first. Only past the hard limits: a high but
-- possible value is not re-read in another unit. One row per such result (few of them).
with valued as (
    select * from lab.results_valued
),

units as (
    select * from lab.catalogue_units
),

final as (
    select
        v.row_id,
        list(u.unit order by abs(ln(greatest(u.factor, 1e-9)))) as units,
    from valued as v
    join units as u on u.code = v.catalogue_code and u.unit is distinct from v.unit_norm
    where v.value_state = 'numeric'
        and v.value_canonical is not null
        and (v.value_canonical < v.hard_low or v.value_canonical > v.hard_high)
        and v.value_num * u.factor + u.offset_ between coalesce(v.soft_low, v.hard_low) and coalesce(v.soft_high, v.hard_high)
    group by v.row_id
)

select * from final
