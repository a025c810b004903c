-- Quality history: append-only. Every run adds rows; nothing here is updated or
-- deleted, so a check's failure rate or a clinic's volume can be followed over time
-- with plain SQL.
create schema if not exists quality;

-- One row per run of the checks.
create table if not exists quality.runs (
    run_id        varchar not null,
    batch_id      varchar,
    run_at        timestamptz not null,      -- the run's `now` (freshness and 'future' checks use it)
    checks        integer not null,
    held_back_kinds varchar[] not null,
    rows_with_errors bigint not null,        -- distinct rows with an error-severity finding
    alerts        integer not null
);

-- One row per check and scope per run: national always, per journal system when
-- the check saw rows of that system, per clinic when it found something there.
create table if not exists quality.check_results (
    run_id        varchar not null,
    batch_id      varchar,
    run_at        timestamptz not null,
    check_id      varchar not null,
    kind          varchar not null,
    check_type    varchar not null,
    category      varchar not null,
    check_scope   varchar not null,          -- row | aggregate
    severity      varchar not null,          -- warn | error
    scope_level   varchar not null,          -- national | system | clinic | <group column>
    scope_value   varchar,                   -- null for national
    numerator     double,                    -- failing rows (row checks), or the measured count
    denominator   double,
    percent       double,                    -- 100 * numerator / denominator
    outcome       varchar not null,          -- passed | warned | failed | not_evaluated
    threshold     varchar,                   -- as declared: a count or a percent
    message       varchar                    -- never a value from a text field
);

-- Rows delivered per clinic and data day (contact date, letter date, sampling day)
-- by each run; a clinic's volume on a day is the sum over runs.
create table if not exists quality.volume_history (
    run_id        varchar not null,
    run_at        timestamptz not null,
    kind          varchar not null,
    journal_system varchar,
    sor_code      varchar not null,
    day           date not null,
    rows          bigint not null
);

-- Anomalies found over the history. Points flagged here are left out of later
-- baselines, so one bad week does not become the new normal.
create table if not exists quality.alerts (
    run_id        varchar not null,
    run_at        timestamptz not null,
    alert_type    varchar not null,          -- clinic_silent | clinic_volume | failure_rate
    kind          varchar not null,
    check_id      varchar,                   -- failure_rate only
    scope_level   varchar not null,          -- clinic | system | national
    scope_value   varchar,
    day           date,                      -- volume alerts: the data day
    day_to        date,                      -- clinic_silent: the last silent day
    observed      double not null,
    baseline_median double,
    baseline_mad  double,
    history_points integer,
    message       varchar not null
);

-- SKS diagnosis codes with validity, loaded from the file configured as
-- reference.sks_file (SKScomplete.txt or a CSV list). Replaced on each load.
create table if not exists quality.sks_codes (
    code          varchar not null,
    valid_from    date,
    valid_to      date,                      -- exclusive; null = open
    source_file   varchar not null
);
