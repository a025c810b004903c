-- Active codes of the configured official NPU export (pipeline.yaml reference.npu_file), when one
-- is loaded (ref.npu_official, by lab/catalogue.ts): a code found there but not in the project's
-- catalogue is a real code without the catalogue's units and limits, not an unknown one.
with official as (
    select * from ref.npu_official
),

final as (
    select code from official group by code having bool_or(active)
)

select * from final
