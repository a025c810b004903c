-- The switches of a time zone's UTC offset between two years, as ICU (DuckDB's timezone()) makes
-- them for local wall-clock times: one row per switch, the first local time (to the minute) at
-- which ICU applies the new offset, the offsets before and after it (seconds east of UTC), and
-- whether the switch is exact: one step between the two offsets, on a whole minute.
-- Parameters: $zone (an IANA name), $first_year, $last_year.
-- Used by ingest/local-time.ts, which shifts each local time by the offset in force at it instead
-- of asking ICU per value. The switches are found from ICU itself, so that both agree also inside
-- the hour a clock skips or repeats: a daily grid of local noons, then the hours of a day whose
-- offset changed, then the minutes of the hour it changed in. A zone whose offset changed and
-- changed back within a day would escape the grid; test/transforms/local-time.test.ts compares
-- the result with ICU on times all over these years, next to every switch, in zones of every kind.
with days as (
    select l, utc_offset_seconds($zone, l) as off
    from (select unnest(generate_series(make_timestamp($first_year - 1, 12, 31, 12, 0, 0), make_timestamp($last_year + 1, 1, 1, 12, 0, 0), interval 1 day)) as l)
),

changed_days as (
    select * from (
        select lag(l) over (order by l) as day_from, l as day_to, lag(off) over (order by l) as off_before, off as off_after
        from days
    )
    where off_before <> off_after
),

hours as (
    select d.day_from, d.off_before, d.off_after, h, utc_offset_seconds($zone, h) as off
    from changed_days as d, lateral (select unnest(generate_series(d.day_from, d.day_to, interval 1 hour)) as h)
),

changed_hours as (
    select day_from, any_value(off_before) as off_before, any_value(off_after) as off_after, any_value(hour_to) as hour_to,
        bool_and(off = case when h < hour_to then off_before else off_after end) as one_step,
    from (select *, min(h) filter (where off <> off_before) over (partition by day_from) as hour_to from hours)
    group by day_from
),

minutes as (
    select c.day_from, c.off_before, c.off_after, c.one_step, m, utc_offset_seconds($zone, m) as off
    from changed_hours as c, lateral (select unnest(generate_series(c.hour_to - interval 1 hour, c.hour_to, interval 1 minute)) as m)
),

switches as (
    select any_value(switch_at) as switch_at, any_value(off_before) as off_before, any_value(off_after) as off_after,
        bool_and(one_step and off = case when m < switch_at then off_before else off_after end) as one_step,
    from (select *, min(m) filter (where off <> off_before) over (partition by day_from) as switch_at from minutes)
    group by day_from
)

select
    switch_at::varchar as switch_at,
    off_before,
    off_after,
    -- on a whole minute: the second before it still has the old offset
    one_step and utc_offset_seconds($zone, switch_at - interval 1 second) = off_before as exact,
from switches
order by switch_at
