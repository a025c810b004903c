-- meta.files.content_hash: the sha256 of a gzip file's decompressed content (null for a file that
-- is not gzip, whose file_hash is its content's hash already).
--
-- Why: the ledger knows a delivery by its content, but a gzip file's bytes are not its content: a
-- gzipped copy of a file already loaded (or the plain copy of a loaded .gz) had another file_hash
-- and loaded again, its rows quarantined as duplicates of themselves. A new file is known when its
-- file_hash or its decompressed content's hash is either hash of a loaded file
-- (ingest/find-new.ts). Files loaded before this version keep null: their gzip content is unknown.
alter table meta.files add column content_hash varchar;
