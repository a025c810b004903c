-- A kind's volume per clinic and data day between {{from}} and {{to}}, summed over
-- every run that delivered rows for that day, with each clinic's first day ever
-- (a clinic is not "silent" before it started delivering). One row per clinic, its
-- series packed as 'yyyy-mm-dd:rows,...': a few hundred strings cross into
-- JavaScript much faster than a row object per clinic and day. The pairs are in
-- no particular order (quality/anomalies.ts looks days up): an ordered
-- string_agg cost ~40% of this query.
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
        any_value(w.journal_system) as journal_system,
        cast(any_value(f.first_day) as varchar) as first_day,
        string_agg(cast(w.day as varchar) || ':' || cast(w.rows as varchar), ',') as series,
    from window_days as w
    join first_days as f using (sor_code)
    group by w.sor_code
)

select * from final
order by sor_code
