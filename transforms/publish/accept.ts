import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS, type Kind } from '../../config/kinds.ts';
import { sizeInBytes } from '../../config/load.ts';
import { queryRows, sqlString } from '../db/connection.ts';

export interface AcceptOptions {
  readonly runId: string;
  readonly batchId: string;
  /** Kinds whose whole batch is held back by a failed aggregate check, with why. */
  readonly heldBack: ReadonlyMap<string, { checkIds: string[]; reasons: string[] }>;
}

/**
 * Splits this run's candidate rows: a row with an error-severity finding (or of a
 * held-back kind) goes to core.quarantine with every check id and reason; every
 * other row replaces its record (by natural key) in core. Runs inside the run's
 * transaction, after the core transforms: the published rows a record replaces are
 * the candidates work.published_matches found by key_hash, deleted by row id, so a
 * night does not scan the record keys of the whole history (core has no primary key:
 * this delete-then-insert is what keeps record_key unique, see db/schema/004).
 */
const QUARANTINE_COLUMNS = 'run_id, batch_id, kind, record_key, file_hash, source_file, source_line, check_ids, reasons, record, column_names';

export async function acceptRun(conn: DuckDBConnection, opts: AcceptOptions): Promise<void> {
  const run = sqlString(opts.runId);
  const batch = sqlString(opts.batchId);
  const perGrouping = await findingsPerGrouping(conn);
  // The run's error findings, read out of the history's findings once (not once per kind).
  // one entry per check and reason: a check that fails in two columns of a row (a CPR number in
  // a code and in its raw text) gives the same reason twice, said once with both columns
  await conn.run(`create or replace temp table accept__findings as
    select kind, source_file, source_line, check_id, reason,
      nullif(array_to_string(list_sort(list_distinct(list(column_name))), ', '), '') as column_names
    from quality.row_findings where run_id = ${run} and severity = 'error'
    group by kind, source_file, source_line, check_id, reason`);
  const errorFindings = new Map(
    (await queryRows<{ kind: string; n: bigint }>(conn, 'select kind, count(*) as n from temp.main.accept__findings group by kind'))
      .map((r) => [r.kind, Number(r.n)]),
  );
  for (const kind of KINDS) {
    const coreCols = await coreColumns(conn, kind);
    const held = opts.heldBack.get(kind);
    await groupErrorFindings(conn, kind, Math.ceil((errorFindings.get(kind) ?? 0) / perGrouping));
    const errors = 'temp.main.accept__errors';
    // The quarantined record as it was built: key_hash and batch_at are the pipeline's bookkeeping, not part of it.
    const row = `(select * exclude (key_hash, batch_at) from work.${kind})`;
    if (held) {
      const ids = `[${held.checkIds.map(sqlString).join(', ')}]::varchar[]`;
      const why = `[${held.reasons.map(sqlString).join(', ')}]::varchar[]`;
      // an aggregate check is about the kind's rows, no field of this one
      const where = `[${held.checkIds.map(() => 'null').join(', ')}]::varchar[]`;
      await conn.run(`insert into core.quarantine (${QUARANTINE_COLUMNS})
        select ${run}, ${batch}, '${kind}', w.record_key, w.file_hash, w.source_file, w.source_line,
          list_concat(${ids}, coalesce(e.check_ids, [])), list_concat(${why}, coalesce(e.reasons, [])),
          to_json(w), list_concat(${where}, coalesce(e.column_names, []))
        from ${row} as w left join ${errors} as e using (source_file, source_line)`);
      continue;
    }
    await conn.run(`insert into core.quarantine (${QUARANTINE_COLUMNS})
      select ${run}, ${batch}, '${kind}', w.record_key, w.file_hash, w.source_file, w.source_line, e.check_ids, e.reasons, to_json(w), e.column_names
      from ${row} as w join ${errors} as e using (source_file, source_line)`);
    const accepted = `(select w.* from work.${kind} as w anti join ${errors} as e using (source_file, source_line))`;
    // The candidates whose key this run accepts (a key_hash match with another key stays). A
    // backfill, or a run of only new records, has no candidate: nothing to look up or delete.
    const [candidates] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from work.published_matches where kind = '${kind}'`);
    if (Number(candidates!.n) > 0) {
      // A published record replaced by a correction leaves a finding on the row it was (file,
      // line), as a correction within one run does (pipeline.superseded): the lineage of a
      // record corrected across nights, or across the runs of a backfill, stays readable.
      await conn.run(`insert into quality.row_findings
        select ${run}, '${kind}', p.record_key, p.source_file, p.source_line, 'pipeline.replaced', 'warn', null,
          'published in batch ' || p.batch_id || ', replaced by a correction in ' || a.source_file || ' line ' || a.source_line
        from work.published_matches as p
        join ${accepted} as a on a.key_hash = p.key_hash and a.record_key = p.record_key
        where p.kind = '${kind}'`);
      await conn.run(`delete from core.${kind} where rowid in (
        select p.rid from work.published_matches as p
        semi join ${accepted} as a on a.key_hash = p.key_hash and a.record_key = p.record_key
        where p.kind = '${kind}')`);
    }
    // key_hash as the core model computed it (macros/key_hash.sql, the expression of db/schema/004).
    await conn.run(`insert into core.${kind} (${coreCols.join(', ')}) select ${coreCols.join(', ')} from ${accepted}`);
  }
  await conn.run('drop table if exists temp.main.accept__errors; drop table if exists temp.main.accept__findings');
}

/**
 * How many findings one statement groups (see groupErrorFindings): one per 3 KB of DuckDB's
 * memory limit (~1 KB for each of its three ordered lists), ~470,000 at the shipped 1400MB, a part
 * whose groups fit beside the rest of the run.
 */
async function findingsPerGrouping(conn: DuckDBConnection): Promise<number> {
  const [setting] = await queryRows<{ limit: string }>(conn, `select current_setting('memory_limit') as limit`);
  const bytes = sizeInBytes(setting!.limit) ?? 4e9;
  return Math.max(10_000, Math.floor(bytes / 3000));
}

/**
 * The run's error findings of the kind (temp.main.accept__findings), one row per record (file,
 * line), into temp.main.accept__errors. DuckDB keeps the groups of an ordered list aggregate in memory
 * and does not spill them: a file of millions of repeated records, each an error, would run
 * the night out of memory here. So the records are grouped in parts, split by a hash of the
 * line, each part's groups written (and spillable) before the next is built.
 */
async function groupErrorFindings(conn: DuckDBConnection, kind: Kind, parts: number): Promise<void> {
  // the three lists in one order, so that element i of each is the same finding
  const grouped = (part: string) => `select source_file, source_line, list(check_id order by check_id, reason) as check_ids,
        list(reason order by check_id, reason) as reasons, list(column_names order by check_id, reason) as column_names
      from temp.main.accept__findings where kind = '${kind}'${part}
      group by source_file, source_line`;
  if (parts <= 1) {
    await conn.run(`create or replace temp table accept__errors as ${grouped('')}`);
    return;
  }
  await conn.run(`create or replace temp table accept__errors as ${grouped(' and false')}`);
  for (let k = 0; k < parts; k++) {
    await conn.run(`insert into accept__errors ${grouped(` and hash(source_line) % ${parts} = ${k}`)}`);
  }
}

async function coreColumns(conn: DuckDBConnection, kind: Kind): Promise<string[]> {
  const rows = await queryRows<{ column_name: string }>(
    conn,
    `select column_name from duckdb_columns() where database_name = current_database() and schema_name = 'core' and table_name = '${kind}' order by column_index`,
  );
  return rows.map((r) => r.column_name);
}
