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

final as (
    select
        value,
        operator,
        decimal_sep,
        result_status,
        lab_value_parse_squashed(value_squashed, operator, decimal_sep, result_status) as v,
    from squashed
)

select * from final
