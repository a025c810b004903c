-- The NPU catalogue's analyses as the lab layer reads them (config/reference/npu-catalogue.yaml,
-- written to ref.npu_analyses by lab/catalogue.ts). Units there are already spelled as
-- unit_normalise() spells them; '1' is dimensionless and ordinal/nominal analyses have none.
with analyses as (
    select * from ref.npu_analyses
),

final as (
    select
        code,
        name,
        short_name,
        unit as canonical_unit,
        unit_required,
        result_type,
        allowed_values,
        hard_low,
        hard_high,
        soft_low,
        soft_high,
    from analyses
)

select * from final
