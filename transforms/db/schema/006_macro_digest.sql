-- The digest of the shared SQL macros (transforms/macros/*.sql) this database holds: a run whose
-- macro files are the same skips re-creating them (transforms/macros.ts): binding them, most of
-- all lab_value_parse, is a fixed cost of every run.
create table if not exists meta.macro_digest (
    digest      varchar not null,             -- sha256 of the macro files' names and texts
    loaded_at   timestamptz not null default current_timestamp
);
