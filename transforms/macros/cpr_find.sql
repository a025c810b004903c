-- has_cpr(text) / cpr_find(text): CPR numbers in free text (DOMAIN.md).
-- A CPR number is DDMMYY + 4 digits, often written DDMMYY-SSSS (a space is accepted too), where
-- DDMMYY is a valid calendar date and the number is not part of a longer run of digits.
-- No modulus-11 check: numbers without it have been issued since 2007.
-- Replacement numbers (eCPR) are found too: DDMMYY + 1/7 (X-eCPR) or 0/5/6 (D-eCPR) + two capital
-- letters + one digit, e.g. 0101901AB2.
-- Century: the 7th-digit century rules are ignored. DDMMYY is accepted when the date exists in
-- 19YY or 20YY; that differs only for 29 February, which is accepted exactly when YY is divisible
-- by 4 (2000 was a leap year, so 290200 is valid). 3213451234 (month 13) is never a CPR number.
-- cpr_find returns the first (leftmost) number as written, with its '-' or space, so a finding can
-- show where it matched; has_cpr says whether there is one.
--
-- Cost: the date check is spelled out in the regular expression (days 01-28 of any month, 29-30
-- of any month but February, 31 of the long months, 29 February when YY is divisible by 4), so
-- one RE2 search over the text decides: no extraction, no per-candidate date parsing. About 1 s
-- per 2 million free-text rows on two threads.
-- A number needs at least 10 characters, so a shorter value (codes, units, flags, most ids) is
-- decided by its byte length alone (strlen is stored with the string: no scan). The case
-- runs the search only on the longer values; checking every text and id column of a night's
-- lab results this way costs about a third of searching every value.
create or replace macro _cpr_pattern() as
    '(?:^|[^0-9])((?:(?:0[1-9]|1[0-9]|2[0-8])(?:0[1-9]|1[0-2])[0-9]{2}|(?:29|30)(?:0[13-9]|1[0-2])[0-9]{2}|31(?:0[13578]|1[02])[0-9]{2}|2902(?:[02468][048]|[13579][26]))[- ]?(?:[0-9]{4}|[01567][A-Z]{2}[0-9]))(?:[^0-9]|$)';

create or replace macro cpr_find(t) as
    case when strlen(t) >= 10 then nullif(regexp_extract(t, _cpr_pattern(), 1), '') end;

create or replace macro has_cpr(t) as
    case when strlen(t) >= 10 then coalesce(regexp_matches(t, _cpr_pattern()), false) else false end;
