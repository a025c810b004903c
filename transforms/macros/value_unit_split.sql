-- lab_value_unit_split(squashed): a value written with its unit after the number ('5,2 mmol/L',
-- '<0,5 mg/L', '4,1mmol/L', '7,5 ×10^9/L', '6,5%'), as {number, unit}: the text up to the unit,
-- to be parsed as any value, and the unit in unit_normalise's spelling. Null when no text
-- follows a digit, or when what follows is no unit unit_normalise knows ('5 tabletter',
-- '2 (hæmolyse)'): such a value stays unparseable. The unit starts at the first character after a
-- digit that cannot continue a number (a separator, sign, space or exponent's E followed by a
-- digit continues it); '10^' and '10*' may start it ('7,5 10^9/L'). squashed is lab_value_squash's
-- (lab_value_parse.sql). In a file named after unit_normalise.sql, whose macros it uses: the
-- files run in name order.
create or replace macro _lab_unit_pattern() as
    '^(.*?[0-9]) ?((?:10[\^*]|[eE][^0-9+-]|[^0-9 .,+<>=eE-]).*)$';

create or replace macro lab_value_unit_split(s) as
    list_transform([regexp_extract(s, _lab_unit_pattern(), ['number', 'unit'])],
        lambda _lab_u: case when _lab_u.unit <> '' and unit_known(_lab_u.unit)
            then {'number': _lab_u.number, 'unit': unit_normalise(_lab_u.unit)} end)[1];
