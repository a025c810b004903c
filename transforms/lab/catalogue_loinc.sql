-- LOINC codes linked to the catalogue code that means the same analysis (config/reference/
-- npu-catalogue.yaml `loinc`, written to ref.loinc_npu by lab/catalogue.ts): a LOINC result is
-- read with that code's units, conversions and limits. One row per LOINC code.
with links as (
    select * from ref.loinc_npu
),

final as (
    select loinc, npu, name from links
)

select * from final
