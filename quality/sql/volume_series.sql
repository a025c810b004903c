-- Each kind's volume per clinic and data day inside its window ({{windows}}: rows of kind,
-- first day, last day), summed over every run that delivered rows for that day, with each
-- clinic's first day ever (a clinic is not "silent" before it started delivering). One row per
-- kind and clinic, its series packed as 'yyyy-mm-dd:rows,...': a few hundred strings cross into
-- JavaScript much faster than a row object per clinic and day. The pairs are in no particular
-- order (quality/anomalies.ts looks days up): ordering the aggregate would sort every pair.
with windows as (
    select * from (values {{windows}}) as w(kind, from_day, to_day)
),

history as (
    select h.kind, h.sor_code, h.journal_system, h.day, h.rows
    from quality.volume_history as h
    semi join windows as w using (kind)
),

first_days as (
    select kind, sor_code, min(day) as first_day
    from history
    group by kind, sor_code
),

window_days as (
    select h.kind, h.sor_code, h.day, sum(h.rows) as rows, any_value(h.journal_system) as journal_system
    from history as h
    join windows as w on w.kind = h.kind and h.day between w.from_day and w.to_day
    group by h.kind, h.sor_code, h.day
),

final as (
    select
        w.kind,
        w.sor_code,
        any_value(w.journal_system) as journal_system,
        cast(any_value(f.first_day) as varchar) as first_day,
        string_agg(cast(w.day as varchar) || ':' || cast(w.rows as varchar), ',') as series,
    from window_days as w
    join first_days as f using (kind, sor_code)
    group by w.kind, w.sor_code
)

select * from final
order by kind, sor_code
