-- quality.volume_first_days: each clinic's first data day per kind, over the whole volume history.
--
-- Why: a clinic is not "silent" before it started delivering (quality/anomalies.ts), and finding
-- its first day grouped every row of quality.volume_history each night, a cost that grew with the
-- history. quality/history.ts keeps this table
-- with the run's own days, in the run's transaction; filled here from the history once.
create table if not exists quality.volume_first_days (
    kind          varchar not null,
    sor_code      varchar not null,
    first_day     date not null,
    primary key (kind, sor_code)
);

insert into quality.volume_first_days
select kind, sor_code, min(day) from quality.volume_history group by kind, sor_code;
