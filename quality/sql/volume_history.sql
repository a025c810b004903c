-- Rows of this run per clinic and data day, for the volume history. The data day
-- ({{day}}) is the contact date, the letter date or the Danish day of sampling;
-- rows without a clinic or a day cannot be placed and are left out here (the
-- not_null checks report them).
with candidate as (
    select journal_system, sor_code, {{day}} as day
    from {{work}}
),

final as (
    select
        {{run_id}} as run_id,
        {{run_at}} as run_at,
        {{kind}} as kind,
        journal_system,
        sor_code,
        day,
        count(*) as rows,
    from candidate
    where sor_code is not null and day is not null
    group by journal_system, sor_code, day
)

select * from final
