-- The run's staged delivery files, numbered in name order. Core models build row_id from
-- this number and the line, so that row_id sorts as (source_file, source_line) does
-- without sorting every row (see core/diagnoser.sql). Read from the staging tables, not
-- from the stg_<kind> views, which would compute their cleaned columns for nothing.
with files as (
    select source_file from staging.raw_diagnoser
    union select source_file from staging.raw_epikriser
    union select source_file from staging.raw_billeddiagnostiske_epikriser
    union select source_file from staging.raw_notater
    union select source_file from staging.raw_laboratoriesvar
),

final as (
    select
        source_file,
        row_number() over (order by source_file) as file_no,
    from files
)

select * from final
