-- shown_time(t): a stored instant (timestamptz, UTC) as a person reads it, 'YYYY-MM-DD hh:mm' in
-- the zone the run shows times in (getvariable('shown_time_zone'): `fangst lab-quality` sets the
-- mapping's time zone, else the configured one), UTC when none is set. shown_zone() names it.
-- Example, shown_time_zone 'America/New_York': shown_time('2180-03-01 13:00+00') = '2180-03-01 08:00'.
create or replace macro shown_zone() as
    coalesce(getvariable('shown_time_zone'), 'UTC');

create or replace macro shown_time(t) as
    strftime(timezone(shown_zone(), t), '%Y-%m-%d %H:%M');
