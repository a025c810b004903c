-- core.<kind> without the primary key on record_key, and with key_hash.
--
-- Why: the primary key kept an ART index over every record key ever published. It has to
-- fit in memory (at scale 10 about 125 M keys), it is loaded when the database is opened,
-- every insert maintains it, and no query uses it: DuckDB plans `record_key in (...)` as a
-- hash join that scans the table anyway. Uniqueness does not depend on it: the pipeline
-- marks duplicates and superseded versions within a run (pipeline_findings) and replaces a
-- record by deleting its published row and inserting the new one in the run's transaction
-- (transforms/publish/accept.ts), and test/jobs/nightly-redelivery.test.ts checks that the key stays unique.
--
-- key_hash = (md5_number(record_key) >> 64)::ubigint: a compact copy of the key (8 bytes, no string
-- decoding) that the nightly job probes to find the few published rows a run touches, so a
-- night costs a scan of one integer column instead of the record keys of the whole history.
-- md5 rather than DuckDB's hash(): the stored value must stay the same across DuckDB
-- versions. A hash match is only a candidate: the record key itself is compared after.
--
-- DuckDB cannot drop a primary key in place, so each table is rebuilt with its rows (in
-- their order) inside the migration's transaction: an existing database upgrades once, as
-- it is opened, and keeps its data.

create table core.diagnoser__v4 (
    record_key    varchar not null,
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
    run_id        varchar not null,
    key_hash      ubigint                    -- upper 64 bits of md5_number(record_key), set on every insert
);
insert into core.diagnoser__v4 select *, (md5_number(record_key) >> 64)::ubigint from core.diagnoser;
drop table core.diagnoser;
alter table core.diagnoser__v4 rename to diagnoser;

create table core.epikriser__v4 (
    record_key    varchar not null,
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
    run_id        varchar not null,
    key_hash      ubigint                    -- upper 64 bits of md5_number(record_key), set on every insert
);
insert into core.epikriser__v4 select *, (md5_number(record_key) >> 64)::ubigint from core.epikriser;
drop table core.epikriser;
alter table core.epikriser__v4 rename to epikriser;

create table core.billeddiagnostiske_epikriser__v4 (
    record_key    varchar not null,
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
    run_id        varchar not null,
    key_hash      ubigint                    -- upper 64 bits of md5_number(record_key), set on every insert
);
insert into core.billeddiagnostiske_epikriser__v4 select *, (md5_number(record_key) >> 64)::ubigint from core.billeddiagnostiske_epikriser;
drop table core.billeddiagnostiske_epikriser;
alter table core.billeddiagnostiske_epikriser__v4 rename to billeddiagnostiske_epikriser;

create table core.notater__v4 (
    record_key    varchar not null,
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
    run_id        varchar not null,
    key_hash      ubigint                    -- upper 64 bits of md5_number(record_key), set on every insert
);
insert into core.notater__v4 select *, (md5_number(record_key) >> 64)::ubigint from core.notater;
drop table core.notater;
alter table core.notater__v4 rename to notater;

create table core.laboratoriesvar__v4 (
    record_key    varchar not null,
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
    run_id        varchar not null,
    key_hash      ubigint                    -- upper 64 bits of md5_number(record_key), set on every insert
);
insert into core.laboratoriesvar__v4 select *, (md5_number(record_key) >> 64)::ubigint from core.laboratoriesvar;
drop table core.laboratoriesvar;
alter table core.laboratoriesvar__v4 rename to laboratoriesvar;
