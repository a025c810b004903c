// Releasing a data kind that a run held back (`fangst release`): its rows that were quarantined
// only because of the hold move from core.quarantine into core.<kind>, under a new batch that is
// published like any other. Rows with an error-severity finding of their own stay quarantined.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kind } from '../../config/kinds.ts';
import { queryRows, sqlString } from '../db/connection.ts';

/** A held-back kind's quarantined rows of one run: those held only by the hold, and those with errors of their own. */
export interface HeldRows {
  readonly kind: string;
  /** Quarantined only because the kind was held back: what a release publishes. */
  readonly held: number;
  /** Quarantined for a row-level error as well: these stay quarantined. */
  readonly withErrors: number;
}

/** The rows of a run that had an error-severity finding of their own (what acceptRun quarantined them for). */
function rowErrors(run: string): string {
  return `(select distinct kind, source_file, source_line from quality.row_findings where run_id = ${run} and severity = 'error')`;
}

/** Per kind the run held back, how many of its quarantined rows a release would publish and how many it keeps. */
export async function heldRowCounts(conn: DuckDBConnection, runId: string, kinds: readonly string[]): Promise<HeldRows[]> {
  if (kinds.length === 0) return [];
  const run = sqlString(runId);
  const rows = await queryRows<{ kind: string; held: bigint; with_errors: bigint }>(conn, `
    select q.kind, count(*) filter (where e.source_line is null) as held, count(*) filter (where e.source_line is not null) as with_errors
    from core.quarantine as q
    left join ${rowErrors(run)} as e using (kind, source_file, source_line)
    where q.run_id = ${run} and q.kind in (${kinds.map(sqlString).join(', ')})
    group by q.kind`);
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  return kinds.map((kind) => ({ kind, held: Number(byKind.get(kind)?.held ?? 0), withErrors: Number(byKind.get(kind)?.with_errors ?? 0) }));
}

export interface ReleaseOptions {
  /** The run that held the kind back. */
  readonly heldRunId: string;
  readonly kind: Kind;
  /** The new batch the released rows are published in. */
  readonly batchId: string;
  /** The release's own row in meta.runs: findings it makes are filed under it. */
  readonly releaseRunId: string;
}

export interface Released {
  /** Rows moved from core.quarantine into core.<kind>. */
  readonly released: number;
  /** Rows of the kind that stay quarantined for a row-level error. */
  readonly withErrors: number;
  /** Held rows not released because a later run has already published a newer version of the record. */
  readonly superseded: number;
  /** Published versions the released rows replaced (their record was corrected by the held delivery). */
  readonly replaced: number;
  /** Released rows per source file, for the ledger and the manifest. */
  readonly files: ReadonlyArray<{ fileHash: string; file: string; rows: number }>;
}

/**
 * Moves the rows of `kind` that the run quarantined only because the kind was held back into
 * core.<kind> under `batchId`, and updates the ledger's row accounting of their files (published
 * up, quarantined down: read = published + quarantined + rejected still holds). A released row
 * replaces a version of its record published before the held run, as a correction does at accept;
 * it is left quarantined when a later run has published a newer version. Runs inside the
 * caller's transaction; the caller records the release in meta.releases there too.
 */
export async function releaseHeldRows(conn: DuckDBConnection, opts: ReleaseOptions): Promise<Released> {
  const run = sqlString(opts.heldRunId);
  const kind = opts.kind;
  const cols = await queryRows<{ column_name: string; data_type: string }>(conn, `
    select column_name, data_type from duckdb_columns()
    where database_name = current_database() and schema_name = 'core' and table_name = ${sqlString(kind)} order by column_index`);
  // The quarantined record is the candidate row as JSON (to_json in acceptRun): read back with the core table's types.
  const stored = cols.filter((c) => !['batch_id', 'key_hash', 'batch_at'].includes(c.column_name));
  const shape = sqlString(JSON.stringify(Object.fromEntries(stored.map((c) => [c.column_name, c.data_type]))));
  const heldStart = `(select started_at from meta.runs where run_id = ${run})`;
  await conn.run(`create or replace temp table release__rows as
    with held as (
        select q.rowid as qrid, q.record_key, q.file_hash, q.source_file, q.record
        from core.quarantine as q
        anti join ${rowErrors(run)} as e using (kind, source_file, source_line)
        where q.run_id = ${run} and q.kind = ${sqlString(kind)}
    ),
    published as (
        -- Published versions of the held records, and whether a run after the held one published them.
        select c.rowid as crid, c.record_key, c.batch_id, c.source_file, c.source_line,
            coalesce(m.started_at > ${heldStart}, false) as newer
        from core.${kind} as c
        left join meta.runs as m on m.run_id = c.run_id
        where c.key_hash in (select key_hash(record_key) from held) and c.record_key in (select record_key from held)
    )
    select h.*, bool_or(p.newer) is true as superseded, list(p.crid) filter (where not p.newer) as replaces,
        list(p.batch_id) filter (where not p.newer) as replaces_batches
    from held as h left join published as p using (record_key)
    group by all`);
  const rows = 'temp.main.release__rows';
  const [n] = await queryRows<{ released: bigint; superseded: bigint; replaced: bigint }>(conn, `
    select count(*) filter (where not superseded) as released, count(*) filter (where superseded) as superseded,
        coalesce(sum(len(replaces)) filter (where not superseded), 0)::bigint as replaced
    from ${rows}`);
  const [kept] = await queryRows<{ n: bigint }>(conn, `
    select count(*) as n from core.quarantine as q semi join ${rowErrors(run)} as e using (kind, source_file, source_line)
    where q.run_id = ${run} and q.kind = ${sqlString(kind)}`);
  // A replaced version leaves a finding on its row, as a correction does at accept (pipeline.replaced).
  await conn.run(`insert into quality.row_findings
    select ${sqlString(opts.releaseRunId)}, '${kind}', c.record_key, c.source_file, c.source_line, 'pipeline.replaced', 'warn', null,
      'published in batch ' || c.batch_id || ', replaced by a correction in ' || r.source_file || ' released in batch ' || ${sqlString(opts.batchId)}
    from core.${kind} as c join ${rows} as r on list_contains(r.replaces, c.rowid) and not r.superseded`);
  await conn.run(`delete from core.${kind} where rowid in (select unnest(replaces) from ${rows} where not superseded)`);
  const names = cols.map((c) => c.column_name);
  const own: Record<string, string> = { batch_id: sqlString(opts.batchId), batch_at: `batch_at(${sqlString(opts.batchId)})`, key_hash: 'key_hash(r.record_key)' };
  const value = (c: string) => own[c] ?? `r.${c}`;
  await conn.run(`insert into core.${kind} (${names.join(', ')})
    select ${names.map(value).join(', ')}
    from (select unnest(json_transform(record, ${shape})) from ${rows} where not superseded order by source_file, qrid) as r`);
  await conn.run(`delete from core.quarantine where rowid in (select qrid from ${rows} where not superseded)`);
  const files = await queryRows<{ file_hash: string; file: string; n: bigint }>(conn, `
    select file_hash, any_value(source_file) as file, count(*) as n from ${rows} where not superseded group by file_hash order by file`);
  for (const f of files) {
    await conn.run(`update meta.files set rows_published = rows_published + ${f.n}, rows_quarantined = rows_quarantined - ${f.n}
      where file_hash = ${sqlString(f.file_hash)}`);
  }
  // The held run read these rows: its counts move as its files' do, so that every run adds up
  // and the runs together add up to the ledger (the release run reads and counts none of them).
  await conn.run(`update meta.runs set rows_published = rows_published + ${n!.released}, rows_quarantined = rows_quarantined - ${n!.released}
    where run_id = ${run}`);
  await conn.run(`drop table ${rows}`);
  return {
    released: Number(n!.released), superseded: Number(n!.superseded), replaced: Number(n!.replaced), withErrors: Number(kept!.n),
    files: files.map((f) => ({ fileHash: f.file_hash, file: f.file, rows: Number(f.n) })),
  };
}
