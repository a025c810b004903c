-- delivery_stamp(file): the date in a delivered file's name as yyyymmdd ('202504' alone is
-- 20250400), or '99999999' when the name holds none. The twin of deliveryStamp in
-- transforms/ingest/plan-runs.ts, which orders a backfill's runs by it; test/transforms/
-- delivery-stamp.test.ts holds the two to the same answers.
create or replace macro delivery_stamp(file) as
    coalesce(
        rpad(nullif(replace(regexp_extract(regexp_extract(rtrim(file, '/'), '[^/]*$'),
            '(19|20)[0-9]{2}-?(0[1-9]|1[0-2])(-?(0[1-9]|[12][0-9]|3[01]))?'), '-', ''), ''), 8, '0'),
        '99999999');

-- delivery_older(a, b): whether file a is of an earlier date than file b, by the dates in their
-- names, at the precision both give: to the day where both name one, else to the month. A
-- month's file (novax_diagnoser_202601.csv) is then neither older nor newer than a file of a day
-- in that month (x_diagnoser_20260115.csv): nothing says which came first. A name without a
-- date is no date: nothing is older than it, and it is older than nothing ('99999999').
-- Examples: delivery_older('x_20251215.csv', 'y_202601.csv') = true;
-- delivery_older('y_202601.csv', 'x_20260115.csv') = false; delivery_older('x_20260114.csv', 'x_20260115.csv') = true.
create or replace macro delivery_older(a, b) as
    case
        when delivery_stamp(b) = '99999999' then false
        when right(delivery_stamp(a), 2) = '00' or right(delivery_stamp(b), 2) = '00'
            then left(delivery_stamp(a), 6) < left(delivery_stamp(b), 6)
        else delivery_stamp(a) < delivery_stamp(b)
    end;
