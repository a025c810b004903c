-- Every unit an analysis may be delivered in, with the affine conversion to its canonical unit
-- (canonical = value * factor + offset_; HbA1c % -> mmol/mol is the one with an offset). The
-- canonical unit itself is listed with factor 1, so that "plausible only in another unit" can
-- also mean "this number was in the canonical unit all along".
with units as (
    select * from ref.npu_units
),

analyses as (
    select * from lab.catalogue_analyses
),

accepted as (
    select code, unit_normalise(unit) as unit, factor::double as factor, coalesce("offset", 0)::double as offset_
    from units
),

canonical as (
    select code, canonical_unit as unit, 1.0::double as factor, 0.0::double as offset_
    from analyses
    where result_type = 'numeric' and coalesce(canonical_unit, '') <> ''
),

final as (
    select * from accepted
    union
    select * from canonical
)

select * from final
