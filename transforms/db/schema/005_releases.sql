-- A data kind held back by a run, released by hand (`fangst release`): who released it, why,
-- and the batch that published its rows. One row per run and kind: the key is what keeps a
-- second release of the same rows from publishing them twice.
create table if not exists meta.releases (
    run_id        varchar not null,          -- the run that held the kind back
    kind          varchar not null,
    batch_id      varchar not null,          -- the batch that publishes the released rows
    release_run_id varchar not null,         -- meta.runs row of the release itself (job 'release')
    released_at   timestamptz not null,
    released_by   varchar not null,          -- --by, else the operating-system user
    reason        varchar not null,
    held_checks   varchar[] not null,        -- the failed aggregate checks that held the kind back
    rows_released bigint not null,
    rows_kept     bigint not null,           -- rows of the kind that stay quarantined for errors of their own
    primary key (run_id, kind)
);
