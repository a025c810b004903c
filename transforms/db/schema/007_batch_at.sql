-- core.<kind>.batch_at: the time of the row's batch, batch_at(batch_id) (macros/batch_at.sql).
--
-- Why: publishing a batch, its ledger and its report read the batch's rows back out of the
-- history. With batch_at as their filter DuckDB skips every row group of earlier batches by its
-- statistics, so a night reads its own rows, not a column of every row ever published.
-- Rows published before this version keep null: nothing is rewritten, and a filter on their
-- batch_at matches nothing, so readers of an older batch use its id alone (publish/batch.ts).
alter table core.diagnoser add column batch_at timestamp;
alter table core.epikriser add column batch_at timestamp;
alter table core.billeddiagnostiske_epikriser add column batch_at timestamp;
alter table core.notater add column batch_at timestamp;
alter table core.laboratoriesvar add column batch_at timestamp;
