-- A-share (A over all diagnoses), marked share ((A+B) over all) and contact A-share (contacts
-- with exactly one A over all contacts) with Wilson 95% intervals (macros/wilson.sql),
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
    select 'national' as level, 'all' as group_key, month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
    from cells
    union all
    select 'national_marking', 'all', month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
    from cells
    where journal_system not in (select journal_system from non_marking)
    union all
    -- the status report's per-system total: clinics with a journal system in the register
    select 'national_registered', 'all', month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
    from cells
    where registered_system is not null
    union all
    select 'journal_system', journal_system, month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
    from cells
    union all
    select 'specialty', coalesce(cast(specialty as varchar), 'unknown'), month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
    from cells
    union all
    select 'clinic', sor_code, month, diagnoses, a_diagnoses, b_diagnoses, contacts, contacts_one_a
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
        cast(sum(contacts) as bigint) as contacts,
        cast(sum(contacts_one_a) as bigint) as contacts_one_a,
    from keyed
    -- (level, group_key) alone gives the whole-period row, with month null
    group by grouping sets ((level, group_key, month), (level, group_key))
),

final as (
    select
        level,
        group_key,
        month,
        diagnoses,
        a_diagnoses,
        b_diagnoses,
        a_diagnoses + b_diagnoses as marked,
        a_diagnoses / diagnoses as a_share,
        wilson_low(a_diagnoses, diagnoses) as a_low,
        wilson_high(a_diagnoses, diagnoses) as a_high,
        (a_diagnoses + b_diagnoses) / diagnoses as marked_share,
        wilson_low(a_diagnoses + b_diagnoses, diagnoses) as marked_low,
        wilson_high(a_diagnoses + b_diagnoses, diagnoses) as marked_high,
        contacts,
        contacts_one_a,
        contacts_one_a / contacts as contact_a_share,
        wilson_low(contacts_one_a, contacts) as contact_a_low,
        wilson_high(contacts_one_a, contacts) as contact_a_high,
        level = 'journal_system' and group_key in (select journal_system from non_marking) as cannot_mark,
    from counted
)

select * from final
