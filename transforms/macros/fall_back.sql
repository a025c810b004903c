-- _lab_fall_back_explains(sampled, resulted): whether a result stored before its sample is in
-- order after all, because a wall-clock time of the hour the clocks go back (the last Sunday of
-- October in Denmark: 02:00-03:00 comes twice) was read as the other of its two instants. Readers
-- take the second (standard time, as ICU does): a sample at 02:30 of the first pass and its result
-- at 02:10 of the second read as 01:30 and 01:10 UTC. True when the result one hour later, or the
-- sample one hour earlier, shows the same wall-clock time (so that instant is the time's other
-- reading) and puts them in order. The zone is the one local times were read in (getvariable('local_time_zone'): the
-- configured time_zone in the nightly job, the mapping's own in `fangst lab-quality`); UTC, which
-- has no such hour, where none is set.
create or replace macro _lab_local_zone() as
    coalesce(getvariable('local_time_zone'), 'UTC');

create or replace macro _lab_fall_back_explains(sampled, resulted) as
    (resulted + interval 1 hour >= sampled
        and timezone(_lab_local_zone(), resulted + interval 1 hour) = timezone(_lab_local_zone(), resulted))
    or (sampled - interval 1 hour <= resulted
        and timezone(_lab_local_zone(), sampled - interval 1 hour) = timezone(_lab_local_zone(), sampled));
