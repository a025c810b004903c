-- Every distinct lab value of this run, as delivered with its operator, decimal separator
-- and status, read once by lab_value_parse (see that macro for the states, and for its two steps). A night's
-- results repeat a few thousand distinct values among hundreds of thousands of rows, and
-- stg_laboratoriesvar, a view read by several models and checks, joins this small table
-- instead of carrying the parse, whose expanded macro is slow to plan at every read.
with raw as (
    select * from staging.raw_laboratoriesvar
),

distinct_values as (
    select distinct value, operator, decimal_sep, result_status from raw
),

masked as (
    -- Ten digits would parse as a number that a CPR check of the text never sees again
    -- (value_num): a value holding a CPR or replacement number is parsed masked, as text.
    -- Masked once here: lab_value_parse is a macro that spells its value out many times, so
    -- cpr_mask(value) given in its place would be evaluated at each.
    select *, cpr_mask(value) as value_masked from distinct_values
),

squashed as (
    -- lab_value_parse in its two steps (see the macro): the squashed text is a column here
    select *, lab_value_squash(value_masked) as value_squashed from masked
),

parsed as (
    -- lab_value_parse_squashed in its three steps (see the macro), each a projection of its own:
    -- `offset 0` keeps DuckDB from merging them back into one expression that computes each
    -- input where it is used
    select * exclude (parse_inputs, parse_reads), lab_value_parse_decide(value_squashed, parse_inputs, parse_reads) as v0 from (
        select *, lab_value_parse_reads(value_squashed, decimal_sep) as parse_reads from (
            select *, lab_value_parse_inputs(value_squashed, operator, result_status) as parse_inputs from squashed
            offset 0)
        offset 0)
),

split as (
    -- `fangst lab-quality` (lab_unit_from_value) reads a value written with its unit ('5,2 mmol/L',
    -- '<0,5 mg/L'): the number as any value, the unit beside it (value_unit, compared with the
    -- unit column in the lab layer). Only the few distinct values that did not parse are split;
    -- the nightly job keeps such a value unparseable.
    select *,
        case when v0.state = 'unparseable' and coalesce(getvariable('lab_unit_from_value'), false)
            then lab_value_unit_split(value_squashed) end as split,
    from parsed
),

reparsed as (
    select *,
        case when split is not null then lab_value_parse_squashed(split.number, operator, decimal_sep, result_status) end as v1,
    from split
),

final as (
    select
        value,
        operator,
        decimal_sep,
        result_status,
        case when v1.state in ('numeric', 'censored') then v1 else v0 end as v,
        case when v1.state in ('numeric', 'censored') then split.unit end as value_unit,
    from reparsed
)

select * from final
