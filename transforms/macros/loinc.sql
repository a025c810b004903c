-- loinc_check_digit(body): the LOINC check digit of the digits before the hyphen, by the "Mod 10"
-- algorithm of the LOINC Users' Guide (appendix "Calculating Mod 10 Check Digits"): from the
-- right, digits in odd positions doubled, the digits of the products and the other digits summed,
-- the check digit brings the sum to a multiple of ten. '2345' -> 7 (glucose 2345-7), '718' -> 7.
-- Null unless body is 1-7 digits. transforms/reference/loinc.ts is the TypeScript twin.
-- loinc_valid(code): code is digits, a hyphen and the right check digit ('2345-7' true, '2345-8'
-- false, '2345' false, null null).
create or replace macro loinc_check_digit(body) as
    case when regexp_full_match(body, '[0-9]{1,7}') then
        (10 - list_sum(list_transform(string_split(reverse(body), ''),
            (c, i) -> case
                when i % 2 = 1 then case when c::integer * 2 > 9 then c::integer * 2 - 9 else c::integer * 2 end
                else c::integer
            end)) % 10) % 10
    end;

create or replace macro loinc_valid(code) as
    regexp_full_match(code, '[0-9]{1,7}-[0-9]')
        and coalesce(loinc_check_digit(split_part(code, '-', 1)) = try_cast(split_part(code, '-', 2) as integer), false);
