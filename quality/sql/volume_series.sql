-- Each kind's volume per clinic and data day inside its window ({{windows}}: rows of kind,
-- first day, last day), with each clinic's first day ever (a clinic is not "silent" before it
-- started delivering; quality.volume_first_days, kept beside the history so that it is not
-- grouped again each night). One row per kind and clinic, its series packed as 'yyyy-mm-dd:rows,...':
-- a few hundred strings cross into JavaScript much faster than a row object per clinic and day.
-- A pair per clinic, day and run that delivered rows for it: quality/anomalies.ts adds up the
-- pairs of one day, since summing them here would group by clinic and day, nearly one group per
-- row. The pairs are in no particular order (anomalies.ts looks days up): ordering the
-- aggregate would sort every pair.
with windows as (
    select * from (values {{windows}}) as w(kind, from_day, to_day)
),

first_days as (
    select f.kind, f.sor_code, f.first_day
    from quality.volume_first_days as f
    semi join windows as w using (kind)
),

in_window as (
    select h.kind, h.sor_code, h.journal_system, h.day, h.rows
    from quality.volume_history as h
    join windows as w on w.kind = h.kind and h.day between w.from_day and w.to_day
),

final as (
    select
        i.kind,
        i.sor_code,
        any_value(i.journal_system) as journal_system,
        cast(any_value(f.first_day) as varchar) as first_day,
        string_agg(cast(i.day as varchar) || ':' || cast(i.rows as varchar), ',') as series,
    from in_window as i
    join first_days as f on f.kind = i.kind and f.sor_code = i.sor_code
    group by i.kind, i.sor_code
)

select * from final
order by kind, sor_code
