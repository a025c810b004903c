-- Which clinics improved or fell back since the campaign started: each clinic's A-share in the
-- first three months of the campaign (start month and the two after) against the last three
-- months of the period. Three-month windows, because one month of one clinic is often a few
-- dozen diagnoses; clinics with fewer than campaign_min_diagnoses in either window are left out.
-- Variables: campaign_start (unset = the first month), campaign_min_diagnoses (default 20).
-- Reads marts.campaign_cells.
with

cells as (
    select * from marts.campaign_cells
),

settings as (
    select
        coalesce(cast(getvariable('campaign_start') as date), (select min(month) from cells)) as start_month,
        (select max(month) from cells) as last_month,
        coalesce(cast(getvariable('campaign_min_diagnoses') as bigint), 20) as min_diagnoses,
),

windowed as (
    select
        cells.sor_code,
        case
            when cells.month >= settings.last_month - interval 2 month then 'recent'
            when cells.month between settings.start_month and settings.start_month + interval 2 month then 'baseline'
        end as period,
        cells.diagnoses,
        cells.a_diagnoses,
    from cells, settings
),

-- windows that overlap (a campaign started less than six months before the end) count the
-- shared months in the recent window only
per_window as (
    select
        sor_code,
        sum(diagnoses) filter (where period = 'baseline') as baseline_diagnoses,
        sum(a_diagnoses) filter (where period = 'baseline') as baseline_a,
        sum(diagnoses) filter (where period = 'recent') as recent_diagnoses,
        sum(a_diagnoses) filter (where period = 'recent') as recent_a,
    from windowed
    group by sor_code
),

final as (
    select
        per_window.sor_code,
        cast(per_window.baseline_diagnoses as bigint) as baseline_diagnoses,
        cast(per_window.baseline_a as bigint) as baseline_a,
        per_window.baseline_a / per_window.baseline_diagnoses as baseline_share,
        cast(per_window.recent_diagnoses as bigint) as recent_diagnoses,
        cast(per_window.recent_a as bigint) as recent_a,
        per_window.recent_a / per_window.recent_diagnoses as recent_share,
        per_window.recent_a / per_window.recent_diagnoses - per_window.baseline_a / per_window.baseline_diagnoses as change,
    from per_window, settings
    where per_window.baseline_diagnoses >= settings.min_diagnoses
      and per_window.recent_diagnoses >= settings.min_diagnoses
)

select * from final
