-- fhir_instant(text): a FHIR dateTime/instant as TIMESTAMPTZ, or null when it does not parse
-- (2025-02-30, second 60 and hour 24 do not).
-- With Z or an offset it is absolute; without one (a date, or a local time) it is Danish local
-- time, as everywhere else in the pipeline (getvariable('fhir_time_zone')).
create or replace macro fhir_instant(t) as
    case
        when nullif(trim(t), '') is null then null
        -- FHIR's hours are 00-23 (DuckDB would read 24:00 as the next midnight)
        when regexp_matches(trim(t), 'T24:') then null
        when regexp_matches(trim(t), '(Z|[+-][0-9]{2}:?[0-9]{2})$') then try_cast(trim(t) as timestamptz)
        else timezone(getvariable('fhir_time_zone'), try_cast(trim(t) as timestamp))
    end;
