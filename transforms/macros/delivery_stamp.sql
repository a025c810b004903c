-- delivery_stamp(file): the date in a delivered file's name as yyyymmdd ('202504' alone is
-- 20250400), or '99999999' when the name holds none. The twin of deliveryStamp in
-- transforms/ingest/plan-runs.ts, which orders a backfill's runs by it; test/transforms/
-- delivery-stamp.test.ts holds the two to the same answers.
create or replace macro delivery_stamp(file) as
    coalesce(
        rpad(nullif(replace(regexp_extract(regexp_extract(rtrim(file, '/'), '[^/]*$'),
            '(19|20)[0-9]{2}-?(0[1-9]|1[0-2])(-?(0[1-9]|[12][0-9]|3[01]))?'), '-', ''), ''), 8, '0'),
        '99999999');
