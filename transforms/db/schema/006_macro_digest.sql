-- The digest of the shared SQL macros (transforms/macros/*.sql) this database holds: a run whose
-- macro files are the same skips re-creating them (transforms/macros.ts), which cost ~60 ms of
-- every night, most of it binding lab_value_parse.
create table if not exists meta.macro_digest (
    digest      varchar not null,             -- sha256 of the macro files' names and texts
    loaded_at   timestamptz not null default current_timestamp
);
