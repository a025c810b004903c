-- The canonical tables: one per data kind, the current state of every record,
-- keyed on record_key = journal system + the vendor's record id.
create table if not exists ref.clinics (
    sor_code      varchar primary key,
    ydernummer    varchar,                   -- left-padded to 6 digits
    name          varchar,
    specialty     integer,                   -- after the split of 8 into 81/82/83
    registered_specialty integer,            -- as the register states it
    journal_system varchar,                  -- null for a clinic with no system registered
    enrolled_on   date,
    file_hash     varchar
);

create table if not exists ref.specialties (
    specialty     integer primary key,
    name          varchar not null,
    retired       boolean not null default false
);

create table if not exists core.diagnoser (
    record_key    varchar primary key,
    journal_system varchar not null,
    record_id     varchar not null,
    sor_code      varchar not null,
    ydernummer    varchar,
    specialty     integer,
    patient       varchar not null,
    code          varchar not null,          -- normalised SKS, e.g. DH353
    code_raw      varchar,
    kind          varchar,                   -- A | B | null (unmarked)
    kind_raw      varchar,
    contact_date  date not null,
    content_hash  varchar not null,          -- md5 of the business fields: tells a correction from a re-send
    source_file   varchar not null,
    source_line   bigint not null,
    file_hash     varchar not null,
    batch_id      varchar not null,
    run_id        varchar not null
);

create table if not exists core.epikriser (
    record_key    varchar primary key,
    journal_system varchar not null,
    record_id     varchar not null,
    sor_code      varchar not null,
    ydernummer    varchar,
    specialty     integer,
    patient       varchar not null,
    written_date  date not null,
    title         varchar,
    text          varchar,
    content_hash  varchar not null,          -- md5 of the business fields: tells a correction from a re-send
    source_file   varchar not null,
    source_line   bigint not null,
    file_hash     varchar not null,
    batch_id      varchar not null,
    run_id        varchar not null
);

create table if not exists core.billeddiagnostiske_epikriser (
    record_key    varchar primary key,
    journal_system varchar not null,
    record_id     varchar not null,
    sor_code      varchar not null,
    ydernummer    varchar,
    specialty     integer,
    patient       varchar not null,
    written_date  date not null,
    examination   varchar,
    text          varchar,
    content_hash  varchar not null,          -- md5 of the business fields: tells a correction from a re-send
    source_file   varchar not null,
    source_line   bigint not null,
    file_hash     varchar not null,
    batch_id      varchar not null,
    run_id        varchar not null
);

create table if not exists core.notater (
    record_key    varchar primary key,
    journal_system varchar not null,
    record_id     varchar not null,
    sor_code      varchar not null,
    ydernummer    varchar,
    specialty     integer,
    patient       varchar not null,
    note_time     timestamptz not null,
    note_type     varchar,
    text          varchar,
    content_hash  varchar not null,          -- md5 of the business fields: tells a correction from a re-send
    source_file   varchar not null,
    source_line   bigint not null,
    file_hash     varchar not null,
    batch_id      varchar not null,
    run_id        varchar not null
);

create table if not exists core.laboratoriesvar (
    record_key    varchar primary key,
    journal_system varchar not null,
    record_id     varchar not null,
    sor_code      varchar not null,
    ydernummer    varchar,
    specialty     integer,
    patient       varchar not null,
    analysis_code varchar not null,
    code_system   varchar,                   -- NPU | DNK | local
    analysis_name varchar,
    value_text    varchar,                   -- exactly as delivered
    value_num     double,                    -- parsed number, null when qualitative or not answered
    comparator    varchar,                   -- < | <= | > | >= for censored values
    value_state   varchar,                   -- numeric | censored | qualitative | pending | unparseable
    unit          varchar,
    ref_low       double,
    ref_high      double,
    ref_text      varchar,
    abnormal_flag varchar,
    result_status varchar,
    sampled_at    timestamptz,
    resulted_at   timestamptz,
    content_hash  varchar not null,          -- md5 of the business fields: tells a correction from a re-send
    source_file   varchar not null,
    source_line   bigint not null,
    file_hash     varchar not null,
    batch_id      varchar not null,
    run_id        varchar not null
);

-- Rows held back: one row per record, with every check that failed it.
create table if not exists core.quarantine (
    run_id        varchar not null,
    batch_id      varchar not null,
    kind          varchar not null,
    record_key    varchar,
    file_hash     varchar not null,
    source_file   varchar not null,
    source_line   bigint not null,
    check_ids     varchar[] not null,
    reasons       varchar[] not null,
    record        json
);

-- Row-level findings of every check (warn and error), for reports and scoring.
create table if not exists quality.row_findings (
    run_id        varchar not null,
    kind          varchar not null,
    record_key    varchar,
    source_file   varchar not null,
    source_line   bigint not null,
    check_id      varchar not null,
    severity      varchar not null,          -- warn | error
    column_name   varchar,
    reason        varchar not null
);
