-- Rows of this run per clinic and data day, for the volume history. The data day
-- is the contact date, the letter date or the Danish day of sampling; rows are
-- first counted per slot (the date itself, or the UTC hour of a timestamp), and
-- each distinct slot is turned into its day once: converting every timestamp to
-- Danish time would cost more than the rest of the history together (see
-- quality/history.ts). Rows without a clinic or a day cannot be placed and are
-- left out here (the not_null checks report them).
-- A record counts once, in the run that first delivers it: a re-send, an older delivery, a
-- version this run corrects itself ({{repeats}}: the pipeline's findings on them) and a new
-- version of a record already published ({{published}}) are no new volume. Counted, a vendor's
-- re-send would look like a clinic delivering twice its usual rows.
with candidate as (
    select journal_system, sor_code, {{slot}} as slot
    from {{work}} as w
    anti join (
        select record_key, source_file, source_line from {{repeats}}
        where kind = {{kind}} and check_id in ('pipeline.duplicate', 'pipeline.superseded', 'pipeline.older_delivery')
    ) as r using (record_key, source_file, source_line)
    anti join (select record_key from {{published}} where kind = {{kind}}) as p using (record_key)
),

per_slot as (
    select journal_system, sor_code, slot, count(*) as rows,
    from candidate
    where sor_code is not null and slot is not null
    group by journal_system, sor_code, slot
),

slot_days as (
    select slot, {{day}} as day,
    from (select distinct slot from per_slot)
),

final as (
    select
        {{run_id}} as run_id,
        {{run_at}} as run_at,
        {{kind}} as kind,
        p.journal_system,
        p.sor_code,
        d.day,
        cast(sum(p.rows) as bigint) as rows,
    from per_slot as p
    join slot_days as d using (slot)
    group by p.journal_system, p.sor_code, d.day
)

select * from final
