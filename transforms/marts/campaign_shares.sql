-- A-share (A over all diagnoses) and marked share ((A+B) over all) with Wilson 95% intervals,
-- per month and for the whole period (month null), at every level FAPS looks at:
-- national, national without the systems that cannot mark, national over clinics with a
-- registered journal system (the status report's per-system total), journal system, specialty, clinic.
-- Reads marts.campaign_cells.
with

cells as (
    select * from marts.campaign_cells
),

-- A system that delivered no A and no B in the whole period cannot mark at all (DMDC and
-- XMedicus in the status report): it is shown apart, and the national share is also given
-- without it, so that a rise among the systems that can mark is not diluted by them.
non_marking as (
    select journal_system
    from cells
    group by journal_system
    having sum(a_diagnoses) + sum(b_diagnoses) = 0
),

keyed as (
    select 'national' as level, 'all' as group_key, month, diagnoses, a_diagnoses, b_diagnoses
    from cells
    union all
    select 'national_marking', 'all', month, diagnoses, a_diagnoses, b_diagnoses
    from cells
    where journal_system not in (select journal_system from non_marking)
    union all
    -- the status report's per-system total: clinics with a journal system in the register
    select 'national_registered', 'all', month, diagnoses, a_diagnoses, b_diagnoses
    from cells
    where registered_system is not null
    union all
    select 'journal_system', journal_system, month, diagnoses, a_diagnoses, b_diagnoses
    from cells
    union all
    select 'specialty', coalesce(cast(specialty as varchar), 'unknown'), month, diagnoses, a_diagnoses, b_diagnoses
    from cells
    union all
    select 'clinic', sor_code, month, diagnoses, a_diagnoses, b_diagnoses
    from cells
),

counted as (
    select
        level,
        group_key,
        month,
        cast(sum(diagnoses) as bigint) as diagnoses,
        cast(sum(a_diagnoses) as bigint) as a_diagnoses,
        cast(sum(b_diagnoses) as bigint) as b_diagnoses,
    from keyed
    -- (level, group_key) alone gives the whole-period row, with month null
    group by grouping sets ((level, group_key, month), (level, group_key))
),

shares as (
    select
        *,
        a_diagnoses + b_diagnoses as marked,
        a_diagnoses / diagnoses as a_share,
        (a_diagnoses + b_diagnoses) / diagnoses as marked_share,
        1.959963984540054 as z,
    from counted
),

-- Wilson score interval: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n). Unlike the
-- normal approximation it stays inside 0..1 and is not degenerate at 0 or 1 for small clinics.
-- At p = 0 the lower bound is 0 and at p = 1 the upper bound is 1 on paper; the case
-- expressions say so instead of leaving floating-point crumbs of 1e-18.
final as (
    select
        level,
        group_key,
        month,
        diagnoses,
        a_diagnoses,
        b_diagnoses,
        marked,
        a_share,
        case when a_diagnoses = 0 then 0.0
            else (a_share + z * z / (2 * diagnoses) - z * sqrt(a_share * (1 - a_share) / diagnoses + z * z / (4 * diagnoses * diagnoses))) / (1 + z * z / diagnoses)
        end as a_low,
        case when a_diagnoses = diagnoses then 1.0
            else (a_share + z * z / (2 * diagnoses) + z * sqrt(a_share * (1 - a_share) / diagnoses + z * z / (4 * diagnoses * diagnoses))) / (1 + z * z / diagnoses)
        end as a_high,
        marked_share,
        case when marked = 0 then 0.0
            else (marked_share + z * z / (2 * diagnoses) - z * sqrt(marked_share * (1 - marked_share) / diagnoses + z * z / (4 * diagnoses * diagnoses))) / (1 + z * z / diagnoses)
        end as marked_low,
        case when marked = diagnoses then 1.0
            else (marked_share + z * z / (2 * diagnoses) + z * sqrt(marked_share * (1 - marked_share) / diagnoses + z * z / (4 * diagnoses * diagnoses))) / (1 + z * z / diagnoses)
        end as marked_high,
        level = 'journal_system' and group_key in (select journal_system from non_marking) as cannot_mark,
    from shares
)

select * from final
