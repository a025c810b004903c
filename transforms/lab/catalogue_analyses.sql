-- The NPU catalogue's analyses as the lab layer reads them (config/reference/npu-catalogue.yaml,
-- loaded into ref.npu_analyses by lab/catalogue.ts). Units are spelled as unit_normalise()
-- spells them, so a delivered unit and a catalogue unit compare as text.
with analyses as (
    select * from ref.npu_analyses
),

final as (
    select
        code,
        name,
        unit_normalise(unit) as canonical_unit,
        result_type,
        allowed_values,
        hard_low,
        hard_high,
        soft_low,
        soft_high,
    from analyses
)

select * from final
