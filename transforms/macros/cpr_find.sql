-- cpr_find(text) / cpr_find_all(text) / has_cpr(text): CPR numbers in free text (DOMAIN.md).
-- A CPR number is DDMMYY + 4 digits, often written DDMMYY-SSSS (a space is accepted too), where
-- DDMMYY is a valid calendar date and the number is not part of a longer run of digits.
-- No modulus-11 check: numbers without it have been issued since 2007.
-- Replacement numbers (eCPR) are found too: DDMMYY + 1/7 (X-eCPR) or 0/5/6 (D-eCPR) + two capital
-- letters + one digit, e.g. 0101901AB2.
-- Century: the 7th-digit century rules are ignored. DDMMYY is accepted when the date exists in
-- 19YY or 20YY; that differs only for 29 February, which is accepted exactly when YY is divisible
-- by 4 (2000 was a leap year, so 290200 is valid). 3213451234 (month 13) is never a CPR number.
-- Cost: one cheap regular expression decides most rows (no 6 digits in a row = no CPR); only
-- candidates are extracted and date-checked.
-- Returned matches are the text as written (with its '-' or space), for the finding to show where.

-- A candidate: 6 digits, optional '-' or space, then 4 digits or an eCPR tail, plus one more
-- digit if there is one (a candidate that swallowed a 7th/11th digit is part of a longer number).
-- The leading (?:^|[^0-9]) keeps digits before it out.
create or replace macro _cpr_candidates(t) as
    regexp_extract_all(t, '(?:^|[^0-9])([0-9]{6}[- ]?(?:[0-9]{4}|[01567][A-Z]{2}[0-9])[0-9]?)', 1);

-- A candidate is a CPR number when it did not run into a further digit and its date exists.
create or replace macro _cpr_valid(c) as
    regexp_full_match(c, '[0-9]{6}[- ]?(?:[0-9]{4}|[01567][A-Z]{2}[0-9])')
    and try_strptime(substr(c, 1, 2) || '-' || substr(c, 3, 2) || '-20' || substr(c, 5, 2), '%d-%m-%Y') is not null;

create or replace macro cpr_find_all(t) as
    case when regexp_matches(t, '[0-9]{6}[- ]?[0-9]')
        then list_filter(_cpr_candidates(t), c -> _cpr_valid(c))
        else []::varchar[]
    end;

create or replace macro cpr_find(t) as
    case when regexp_matches(t, '[0-9]{6}[- ]?[0-9]')
        then list_filter(_cpr_candidates(t), c -> _cpr_valid(c))[1]
    end;

create or replace macro has_cpr(t) as
    coalesce(regexp_matches(t, '[0-9]{6}[- ]?[0-9]')
        and len(list_filter(_cpr_candidates(t), c -> _cpr_valid(c))) > 0, false);
