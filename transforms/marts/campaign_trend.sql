-- The trend of the monthly A-share since the campaign started, and the month it would reach
-- the target if it went on like that. The trend is an ordinary least-squares line through the
-- monthly shares from the start month to the last month, every month weighted equally (a
-- month's share is already a ratio of hundreds of thousands at national scale). Fitted for
-- the national share and the share without the systems that cannot mark.
-- Variables: campaign_start (first day of a month; unset = the first month), campaign_target.
-- Reads marts.campaign_shares.
with

shares as (
    select level, month, a_share
    from marts.campaign_shares
    where level in ('national', 'national_marking') and month is not null
),

settings as (
    select
        coalesce(cast(getvariable('campaign_start') as date), (select min(month) from shares)) as start_month,
        cast(getvariable('campaign_target') as double) as target,
),

since_start as (
    select shares.*, datediff('month', settings.start_month, shares.month) as t
    from shares, settings
    where shares.month >= settings.start_month
),

fit as (
    select
        level,
        count(*) as months,
        max(month) as last_month,
        regr_slope(a_share, t) as slope,
        regr_intercept(a_share, t) as intercept,
        regr_r2(a_share, t) as r2,
        max(t) as last_t,
    from since_start
    group by level
),

first_reached as (
    select shares.level, min(shares.month) as month
    from shares, settings
    where shares.a_share >= settings.target
    group by shares.level
),

final as (
    select
        fit.level,
        settings.start_month,
        settings.target,
        fit.months,
        fit.last_month,
        fit.slope,
        fit.intercept,
        fit.r2,
        fit.intercept + fit.slope * fit.last_t as fitted_last,
        first_reached.month as reached_month,
        -- first whole month whose fitted value is at or above the target, if the line rises
        case
            when fit.months < 3 or fit.slope is null or fit.slope <= 0 then null
            else cast(settings.start_month + to_months(cast(greatest(ceil((settings.target - fit.intercept) / fit.slope), 0) as integer)) as date)
        end as projected_month,
    from fit
    cross join settings
    left join first_reached using (level)
)

select * from final
