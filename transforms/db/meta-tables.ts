/** Row types of the metadata tables in db/schema/001_meta.sql, for kysely. */
export interface RunsTable {
  run_id: string;
  job: string;
  started_at: string;
  finished_at: string | null;
  status: 'running' | 'succeeded' | 'failed' | 'crashed';
  batch_id: string | null;
  exit_code: number | null;
  rows_read: number | bigint | null;
  rows_published: number | bigint | null;
  rows_quarantined: number | bigint | null;
  rows_rejected: number | bigint | null;
  message: string | null;
}

export interface FilesTable {
  file_hash: string;
  file_name: string;
  journal_system: string | null;
  kind: string | null;
  bytes: number | bigint;
  run_id: string;
  batch_id: string | null;
  loaded_at: string;
  rows_read: number | bigint;
  rows_published: number | bigint;
  rows_quarantined: number | bigint;
  rows_rejected: number | bigint;
  status: 'loaded' | 'failed';
  error: string | null;
  /** sha256 of a gzip file's decompressed content; null for a file that is not gzip (008_content_hash.sql). */
  content_hash: string | null;
}

export interface FileSightingsTable {
  run_id: string;
  file_name: string;
  file_hash: string | null;
  outcome: 'loaded' | 'already_loaded' | 'duplicate_in_run' | 'unrecognised' | 'failed';
  detail: string | null;
  seen_at: string;
}

export interface BatchesTable {
  batch_id: string;
  run_id: string;
  created_at: string;
  status: 'committed' | 'published';
  published_at: string | null;
  outbox_path: string | null;
}

export interface MetaTables {
  'meta.runs': RunsTable;
  'meta.files': FilesTable;
  'meta.file_sightings': FileSightingsTable;
  'meta.batches': BatchesTable;
}
