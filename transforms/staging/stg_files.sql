-- The run's staged delivery files, numbered in name order. The core model builds row_id from
-- this number and the line (macros/row_id.sql). Read from the staging tables, not from the
-- stg_<kind> views, which would compute their cleaned columns for nothing.
with files as (
    {{#kinds union}}
    select source_file from staging.raw_{{kind}}
    {{/kinds}}
),

final as (
    select
        source_file,
        row_number() over (order by source_file) as file_no,
    from files
)

select * from final
