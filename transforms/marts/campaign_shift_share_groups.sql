-- Shift-share decomposition of each month-on-month change of the national A-share, one row per
-- month pair and group (journal system x specialty). The national share is S = sum(w·p) over
-- groups, with w a group's share of all diagnoses and p its A-share. With averages of the two
-- months as weights (a symmetric choice: neither month is privileged),
--     S1 - S0 = sum(avg(w)·(p1 - p0))  +  sum(avg(p)·(w1 - w0))
--               within: groups marking better   mix: who delivers changed
-- holds exactly. Reads campaign_cells.
with

cells as (
    select * from marts.campaign_cells
),

groups as (
    select
        month,
        journal_system,
        coalesce(cast(specialty as varchar), 'unknown') as specialty,
        sum(diagnoses) as diagnoses,
        sum(a_diagnoses) as a_diagnoses,
    from cells
    group by all
),

totals as (
    select month, sum(diagnoses) as total
    from groups
    group by month
),

weighted as (
    select
        groups.*,
        groups.diagnoses / totals.total as weight,
        groups.a_diagnoses / groups.diagnoses as a_share,
    from groups
    join totals using (month)
),

-- each month with the month before it that has data
month_pairs as (
    select month, lag(month) over (order by month) as previous_month
    from totals
),

-- every group present in either month of a pair
pair_groups as (
    select distinct month_pairs.month, month_pairs.previous_month, groups.journal_system, groups.specialty
    from month_pairs
    join groups on groups.month in (month_pairs.month, month_pairs.previous_month)
    where month_pairs.previous_month is not null
),

joined as (
    select
        pair_groups.*,
        coalesce(previous.diagnoses, 0) as previous_diagnoses,
        coalesce(current.diagnoses, 0) as diagnoses,
        coalesce(previous.weight, 0) as w0,
        coalesce(current.weight, 0) as w1,
        -- a group that enters or leaves has no share in the other month: carrying its share
        -- over makes its whole effect mix (it changed who delivers, not how anyone marks)
        coalesce(previous.a_share, current.a_share) as p0,
        coalesce(current.a_share, previous.a_share) as p1,
    from pair_groups
    left join weighted as previous
        on previous.month = pair_groups.previous_month
        and previous.journal_system = pair_groups.journal_system
        and previous.specialty = pair_groups.specialty
    left join weighted as current
        on current.month = pair_groups.month
        and current.journal_system = pair_groups.journal_system
        and current.specialty = pair_groups.specialty
),

final as (
    select
        month,
        previous_month,
        journal_system,
        specialty,
        previous_diagnoses,
        diagnoses,
        w0 as previous_weight,
        w1 as weight,
        p0 as previous_a_share,
        p1 as a_share,
        (w0 + w1) / 2 * (p1 - p0) as within,
        (p0 + p1) / 2 * (w1 - w0) as mix,
    from joined
)

select * from final
