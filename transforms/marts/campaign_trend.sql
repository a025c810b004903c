-- The trend of the monthly A-share since the campaign started, and the month it would reach
-- the target if it went on like that. The trend is an ordinary least-squares line through the
-- monthly shares from the start month to the last month, every month weighted equally (a
-- month's share is already a ratio of hundreds of thousands at national scale). Fitted for
-- the national share and the share without the systems that cannot mark.
-- The projected month's 95% interval is Fieller's for inverse regression: the months x at which
-- the target lies within the line's 95% confidence band, |a + b·x - target| <= t·s·sqrt(1/n +
-- (x - x̄)²/Sxx), t from Student's t on n - 2 degrees of freedom (macros/student_t.sql). With
-- u = x - x̄, d = target - ȳ, k = t²s² and A = b² - k/Sxx this is A·u² - 2bd·u + d² - k/n <= 0,
-- whose roots are u = (b·d ± sqrt(k·(d²/Sxx + A/n))) / A. When A <= 0 the slope is not clearly
-- above zero and the set of months is unbounded: no interval is given.
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
        -- the first month fitted: the start, or the first month of the period after it (--from)
        min(month) as first_month,
        max(month) as last_month,
        arg_max(a_share, month) as last_share,
        regr_slope(a_share, t) as slope,
        regr_intercept(a_share, t) as intercept,
        regr_r2(a_share, t) as r2,
        max(t) as last_t,
        regr_avgx(a_share, t) as mean_t,
        regr_avgy(a_share, t) as mean_share,
        regr_sxx(a_share, t) as sxx,
        -- residual sum of squares: Syy - Sxy²/Sxx
        regr_syy(a_share, t) - regr_sxy(a_share, t) ^ 2 / nullif(regr_sxx(a_share, t), 0) as sse,
    from since_start
    group by level
),

fieller as (
    select
        fit.level,
        fit.mean_t,
        fit.slope,
        settings.target - fit.mean_share as d,
        t_975(fit.months - 2) ^ 2 * fit.sse / (fit.months - 2) as k,
        fit.slope ^ 2 - t_975(fit.months - 2) ^ 2 * fit.sse / (fit.months - 2) / fit.sxx as a,
        fit.sxx,
        fit.months,
    from fit, settings
    where fit.months >= 3 and fit.slope > 0 and fit.sxx > 0
),

projection_interval as (
    select
        level,
        mean_t + (slope * d - sqrt(k * (d * d / sxx + a / months))) / a as t_early,
        mean_t + (slope * d + sqrt(k * (d * d / sxx + a / months))) / a as t_late,
    from fieller
    where a > 0
),

-- reached since the start: a month before the campaign began is none of its doing
first_reached as (
    select shares.level, min(shares.month) as month
    from shares, settings
    where shares.a_share >= settings.target and shares.month >= settings.start_month
    group by shares.level
),

final as (
    select
        fit.level,
        settings.start_month,
        settings.target,
        fit.months,
        fit.first_month,
        fit.last_month,
        fit.last_share,
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
        -- the interval's months; a bound beyond a hundred years is cut there (a nearly flat line)
        case when fit.months >= 3 and fit.slope > 0 and projection_interval.t_early is not null
            then cast(settings.start_month + to_months(cast(least(greatest(ceil(projection_interval.t_early), 0), 1200) as integer)) as date)
        end as projected_early,
        case when fit.months >= 3 and fit.slope > 0 and projection_interval.t_late is not null
            then cast(settings.start_month + to_months(cast(least(greatest(ceil(projection_interval.t_late), 0), 1200) as integer)) as date)
        end as projected_late,
    from fit
    cross join settings
    left join first_reached using (level)
    left join projection_interval using (level)
)

select * from final
