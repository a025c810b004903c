-- Every conversion between two units the catalogue knows, as a factor from one to the other
-- (a value in from_unit times factor is the value in to_unit), for the checks that need no
-- catalogue entry for the code itself: a local or LOINC code delivered in g/dL and g/L is
-- compared by the factor the catalogue gives g/dL -> g/L for any analysis. `code` names the
-- analysis the factor comes from (mg/dL -> mmol/L is 0.0555 for glucose, 0.02586 for
-- cholesterol). Affine conversions (HbA1c % -> mmol/mol) are left out: no one factor fits them.
-- One row per (code, from_unit, to_unit).
with units as (
    select * from lab.catalogue_units
),

pairs as (
    select a.code, a.unit as from_unit, b.unit as to_unit, a.factor / b.factor as factor
    from units as a
    join units as b on b.code = a.code and b.unit <> a.unit
    where a.offset_ = 0 and b.offset_ = 0 and a.factor > 0 and b.factor > 0
),

final as (
    select code, from_unit, to_unit, any_value(factor) as factor from pairs group by all
)

select * from final
