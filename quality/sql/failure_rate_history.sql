-- For each national or per-system result of this run of a row check, the failure
-- percent of the previous {{window}} runs, leaving out runs already flagged as an
-- anomaly for that check and scope (so a bad stretch does not become the baseline).
with current_results as (
    select check_id, kind, scope_level, scope_value, percent, denominator, run_at
    from quality.check_results
    where run_id = {{run_id}}
      and check_type in ({{row_types}})
      and scope_level in ('national', 'system')
      and outcome <> 'not_evaluated'
      and percent is not null
),

flagged as (
    select run_id, check_id, scope_level, scope_value
    from quality.alerts
    where alert_type = 'failure_rate'
),

earlier as (
    select
        c.check_id,
        c.scope_level,
        c.scope_value,
        r.percent,
        row_number() over (partition by c.check_id, c.scope_level, c.scope_value order by r.run_at desc) as nth,
    from current_results as c
    join quality.check_results as r
      on r.check_id = c.check_id
     and r.scope_level = c.scope_level
     and r.scope_value is not distinct from c.scope_value
     and r.run_at < c.run_at
    where r.outcome <> 'not_evaluated'
      and r.percent is not null
      and not exists (
          select 1 from flagged as a
          where a.run_id = r.run_id and a.check_id = r.check_id
            and a.scope_level = r.scope_level and a.scope_value is not distinct from r.scope_value
      )
),

final as (
    select
        c.check_id,
        c.kind,
        c.scope_level,
        c.scope_value,
        c.percent,
        c.denominator,
        coalesce(list(e.percent) filter (where e.percent is not null), []) as history,
    from current_results as c
    left join earlier as e
      on e.check_id = c.check_id
     and e.scope_level = c.scope_level
     and e.scope_value is not distinct from c.scope_value
     and e.nth <= {{window}}
    group by all
)

select * from final
order by check_id, scope_level, scope_value
