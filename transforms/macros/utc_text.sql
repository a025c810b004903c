-- utc_text(t): a timestamp with time zone as text, character for character what DuckDB's cast
-- t::varchar writes in a UTC session ('2025-03-01 10:00:00+00', '2025-03-01 10:00:00.5+00'),
-- for the content hash (core/kind.sql), which has always hashed that text. The cast asks ICU for
-- every value; the plain timestamp at the same instant is written without it. Years 1-9999 take
-- that way (test/transforms/utc-text.test.ts holds the two to the same text); any other instant,
-- and infinity, is cast as before.
create or replace macro utc_text(t) as
    case
        when epoch_us(t) between -62135596800000000 and 253402300799999999
            then make_timestamp(epoch_us(t))::varchar || '+00'
        else t::varchar
    end;
