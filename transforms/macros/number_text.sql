-- number_text(x, digits): a number rounded to `digits` decimals as a person writes it, without
-- a trailing '.0': number_text(10.0, 4) = '10', number_text(4.175, 3) = '4.175', null -> null.
create or replace macro number_text(x, digits) as
    regexp_replace(round(x, digits)::varchar, '\.0$', '');
