-- Every unit a code may be delivered in, with the affine conversion to the canonical unit of its
-- analysis (canonical = value * factor + offset_; HbA1c % -> mmol/mol is the one with an offset).
-- ref.npu_units lists the canonical unit itself with factor 1. A retired code is listed with the
-- unit its results were reported in (ref.npu_retired: NPU03835 in %, converted to NPU27300's
-- mmol/mol) and with every unit of its successor.
with units as (
    select * from ref.npu_units
),

retired as (
    select * from ref.npu_retired
),

current as (
    select code, unit, factor::double as factor, "offset"::double as offset_
    from units
),

retired_own as (
    select code, unit, factor::double as factor, "offset"::double as offset_
    from retired
    where unit is not null
),

retired_successor as (
    select retired.code, units.unit, units.factor::double as factor, units."offset"::double as offset_
    from retired
    join units on units.code = retired.successor
    where retired.unit is distinct from units.unit
),

final as (
    select * from current
    union
    select * from retired_own
    union
    select * from retired_successor
)

select * from final
