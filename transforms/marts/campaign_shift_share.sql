-- The national month-on-month change of the A-share and its two parts (see
-- campaign_shift_share_groups.sql). residual = observed - within - mix is zero on paper and
-- only floating-point rounding in practice; it is kept so that anyone can see that.
-- Reads marts.campaign_cells and campaign_shift_share_groups.
with

cells as (
    select * from marts.campaign_cells
),

contributions as (
    select * from marts.campaign_shift_share_groups
),

national as (
    select month, sum(a_diagnoses) / sum(diagnoses) as a_share
    from cells
    group by month
),

parts as (
    select month, previous_month, sum(within) as within, sum(mix) as mix
    from contributions
    group by month, previous_month
),

final as (
    select
        parts.month,
        parts.previous_month,
        previous.a_share as previous_a_share,
        current.a_share as a_share,
        current.a_share - previous.a_share as observed_change,
        parts.within,
        parts.mix,
        (current.a_share - previous.a_share) - (parts.within + parts.mix) as residual,
    from parts
    join national as current on current.month = parts.month
    join national as previous on previous.month = parts.previous_month
)

select * from final
