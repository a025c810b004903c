-- Bookkeeping of runs, files and batches. Append-only except for status columns
-- that move forward (running -> committed -> published).
create schema if not exists meta;
create schema if not exists ref;
create schema if not exists staging;
create schema if not exists work;
create schema if not exists core;
create schema if not exists quality;

create table if not exists meta.schema_version (version integer primary key, applied_at timestamptz default current_timestamp);

create table if not exists meta.runs (
    run_id        varchar primary key,
    job           varchar not null,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    status        varchar not null,          -- running | succeeded | failed | crashed
    batch_id      varchar,
    exit_code     integer,
    rows_read     bigint,
    rows_published bigint,
    rows_quarantined bigint,
    rows_rejected bigint,
    message       varchar
);

-- The file ledger: one row per distinct content (sha256), whatever its name.
create table if not exists meta.files (
    file_hash     varchar primary key,
    file_name     varchar not null,          -- path relative to the inbox, as first delivered
    journal_system varchar,
    kind          varchar,                   -- diagnoser | epikriser | ... | register
    bytes         bigint not null,
    run_id        varchar not null,
    batch_id      varchar,
    loaded_at     timestamptz not null,
    rows_read     bigint not null,
    rows_published bigint not null,
    rows_quarantined bigint not null,
    rows_rejected bigint not null,
    status        varchar not null,          -- loaded | failed (whole file rejected)
    error         varchar
);

-- Every time a file is seen in the inbox, whether loaded or skipped, and why.
create table if not exists meta.file_sightings (
    run_id        varchar not null,
    file_name     varchar not null,
    file_hash     varchar,
    outcome       varchar not null,          -- loaded | already_loaded | duplicate_in_run | unrecognised | failed
    detail        varchar,
    seen_at       timestamptz not null
);

create table if not exists meta.batches (
    batch_id      varchar primary key,
    run_id        varchar not null,
    created_at    timestamptz not null,
    status        varchar not null,          -- committed | published
    published_at  timestamptz,
    outbox_path   varchar
);

-- Rows (or whole files) that could not be parsed: file, line, column and why.
create table if not exists meta.rejects (
    run_id        varchar not null,
    batch_id      varchar,
    file_hash     varchar,
    source_file   varchar not null,
    source_line   bigint,                    -- 1 = the header line; null = the whole file
    column_name   varchar,
    reason        varchar not null,
    raw_value     varchar                    -- shortened; never shown in shareable reports
);
