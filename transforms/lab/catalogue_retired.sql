-- Retired NPU codes and the code that replaced each (ALAT NPU01129 -> NPU19651): old results
-- keep their old codes, so a retired code is named with its successor, not called unknown.
with retired as (
    select * from ref.npu_retired
),

final as (
    select code, successor from retired
)

select * from final
