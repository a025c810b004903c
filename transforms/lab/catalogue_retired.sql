-- Retired NPU codes and the code that replaced each (ALAT NPU01129 -> NPU19651): old results
-- keep their old codes, so a retired code is named with its successor, not called unknown. A code
-- the official NPU export (reference.npu_file) marks as no longer active, and which the
-- catalogue does not know, is retired too, without a successor.
with retired as (
    select * from ref.npu_retired
),

official as (
    select code, bool_or(active) as active from ref.npu_official group by code
),

catalogue as (
    select code from ref.npu_analyses
),

final as (
    select code, successor from retired
    union
    select code, null as successor
    from official
    where not active
        and code not in (select code from catalogue)
        and code not in (select code from retired)
)

select * from final
