-- A kind's volume per clinic and data day between {{from}} and {{to}}, summed over
-- every run that delivered rows for that day, with each clinic's first day ever
-- (a clinic is not "silent" before it started delivering).
with history as (
    select sor_code, journal_system, day, rows
    from quality.volume_history
    where kind = {{kind}}
),

first_days as (
    select sor_code, min(day) as first_day
    from history
    group by sor_code
),

window_days as (
    select sor_code, day, sum(rows) as rows, any_value(journal_system) as journal_system
    from history
    where day between {{from}} and {{to}}
    group by sor_code, day
),

final as (
    select
        w.sor_code,
        w.journal_system,
        cast(w.day as varchar) as day,
        w.rows::double as rows,
        cast(f.first_day as varchar) as first_day,
    from window_days as w
    join first_days as f using (sor_code)
)

select * from final
order by sor_code, day
