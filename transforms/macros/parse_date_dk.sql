-- parse_date_dk(text[, fmt]): a calendar date as Danish sources write it, or null.
-- DuckDB's try_strptime already refuses dates that do not exist (31-02-2025 is null, not rolled
-- over to 3 March), and also accepts surrounding spaces and unpadded fields ('1-2-2025').
-- What it does not refuse is a two-digit year under %Y: '01-02-25' parses as year 25 AD. Years
-- outside 1900-2199 are therefore rejected here: no lab result, diagnosis or letter in this data
-- is from before 1900, and a year 25 is always a truncated year, never a date.
-- Without fmt, the spellings seen in the journal systems are tried in order: dd-mm-yyyy,
-- dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy, yyyymmdd (ISO first would misread nothing: the
-- first field decides which format can match).
create or replace macro _date_in_range(d) as
    case when year(d) between 1900 and 2199 then d end;

create or replace macro parse_date_dk(t) as
        _date_in_range(try_strptime(trim(t), ['%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d', '%d/%m/%Y', '%Y%m%d'])::date),
    (t, fmt) as
        _date_in_range(try_strptime(trim(t), fmt)::date);
