// What must hold once the faults are over: the soak's outbox publishes the same rows as an
// uninterrupted replay of the same nights, every batch is complete with its report, nothing
// temporary or locked is left behind, and every file's rows add up.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS } from '../../config/load.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import type { History } from './attempt.ts';

export interface Comparison {
  readonly rows: number;
  readonly mismatches: string[];
}

/** The visible batch folders of an outbox (a leading dot marks work in progress). */
async function batchFolders(outbox: string): Promise<string[]> {
  return existsSync(outbox) ? (await readdir(outbox)).filter((f) => !f.startsWith('.')).sort() : [];
}

/** The batches a consumer takes: those whose _SUCCESS marker says they are complete. */
async function completeBatches(outbox: string): Promise<string[]> {
  return (await batchFolders(outbox)).filter((f) => existsSync(join(outbox, f, '_SUCCESS')));
}

/**
 * A published table of one outbox, as a consumer reads it: every complete batch's Parquet file, a record
 * published twice counting once from its latest batch (batch ids start with the UTC time they
 * were made), without the run and batch ids that differ from history to history.
 */
async function loadPublished(conn: DuckDBConnection, table: string, outbox: string, file: string): Promise<boolean> {
  const paths = (await completeBatches(outbox)).map((f) => join(outbox, f, file)).filter((p) => existsSync(p));
  if (paths.length === 0) return false;
  const all = `read_parquet([${paths.map(sqlString).join(', ')}], union_by_name = true)`;
  const keyed = (await queryRows<{ column_name: string }>(conn, `describe select * from ${all}`)).some((c) => c.column_name === 'batch_id');
  const select = keyed
    ? `select * exclude (batch_id, run_id) from ${all} qualify row_number() over (partition by record_key order by batch_id desc) = 1`
    : `select * from ${all}`;
  await conn.run(`create or replace temp table ${table} as ${select}`);
  return true;
}

/** The rows in one table and not the other (as multisets), both ways round. */
async function difference(conn: DuckDBConnection, a: string, b: string): Promise<number> {
  const [r] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from (select * from ${a} except all select * from ${b})`);
  return Number(r!.n);
}

/** Every published table of the soak against the replay's: same rows, same count. */
export async function comparePublished(soakOutbox: string, replayOutbox: string): Promise<Comparison> {
  const files = [...KINDS.map((k) => `${k}.parquet`), 'quarantine.parquet', 'rejects.parquet'];
  const mismatches: string[] = [];
  let rows = 0;
  await withDatabase(':memory:', async (_db, conn) => {
    for (const file of files) {
      const inSoak = await loadPublished(conn, 'soak', soakOutbox, file);
      const inReplay = await loadPublished(conn, 'replay', replayOutbox, file);
      if (!inSoak && !inReplay) continue;
      if (inSoak !== inReplay) {
        mismatches.push(`${file}: published by ${inSoak ? 'the soak' : 'the replay'} only`);
        continue;
      }
      const [n] = await queryRows<{ n: bigint }>(conn, 'select count(*) as n from soak');
      rows += Number(n!.n);
      const extra = await difference(conn, 'soak', 'replay');
      const missing = await difference(conn, 'replay', 'soak');
      if (extra + missing > 0) mismatches.push(`${file}: ${extra} rows only in the soak, ${missing} only in the replay`);
    }
  });
  return { rows, mismatches };
}

/**
 * Every visible batch folder is complete (_SUCCESS, manifest) and its run's quality report
 * exists; the database has no batch left unpublished and no run still marked running.
 */
export async function checkBatches(h: History): Promise<{ batches: number; problems: string[] }> {
  const problems: string[] = [];
  const folders = await batchFolders(h.outbox);
  for (const f of folders) {
    if (!existsSync(join(h.outbox, f, '_SUCCESS'))) problems.push(`outbox/${f}: no _SUCCESS`);
    const manifest = join(h.outbox, f, 'manifest.json');
    if (!existsSync(manifest)) {
      problems.push(`outbox/${f}: no manifest.json`);
      continue;
    }
    const { run_id: runId } = JSON.parse(await readFile(manifest, 'utf8')) as { run_id: string };
    if (!existsSync(join(h.reports, runId, 'quality-report.html'))) problems.push(`outbox/${f}: its run ${runId} has no quality report`);
  }
  await withDatabase(h.db, async (_db, conn) => {
    const [s] = await queryRows<{ published: bigint; unpublished: bigint; running: bigint }>(conn, `select
      (select count(*) from meta.batches where status = 'published') as published,
      (select count(*) from meta.batches where status <> 'published') as unpublished,
      (select count(*) from meta.runs where status = 'running') as running`);
    if (Number(s!.published) !== folders.length) problems.push(`${s!.published} batches marked published, ${folders.length} folders in the outbox`);
    if (Number(s!.unpublished) > 0) problems.push(`${s!.unpublished} batches committed and never published`);
    if (Number(s!.running) > 0) problems.push(`${s!.running} runs still marked running`);
  }, { readOnly: true });
  return { batches: folders.length, problems };
}

/** Lock files, takeover guards and temporary files or folders anywhere under `root`. */
export async function leftovers(root: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(root, { recursive: true });
  for (const e of entries) {
    const name = e.split('/').at(-1)!;
    if (name.includes('.lock') || name.includes('.takeover') || name.includes('.tmp-')) found.push(e);
  }
  return found.sort();
}

/** Files whose rows do not add up: read = published + quarantined + rejected. */
export async function unbalancedFiles(db: string): Promise<string[]> {
  return withDatabase(db, async (_db, conn) => {
    const rows = await queryRows<{ file_name: string; rows_read: bigint; accounted: bigint }>(conn, `select file_name, rows_read,
      rows_published + rows_quarantined + rows_rejected as accounted from meta.files
      where rows_read <> rows_published + rows_quarantined + rows_rejected order by file_name`);
    return rows.map((r) => `${r.file_name}: ${r.rows_read} read, ${r.accounted} accounted for`);
  }, { readOnly: true });
}

/** The file ledgers of both histories agree: the same files, with the same counts. */
export async function compareLedgers(soakDb: string, replayDb: string): Promise<string[]> {
  const ledger = (db: string) => withDatabase(db, async (_db, conn) => queryRows<Record<string, unknown>>(conn, `select file_hash, file_name,
    rows_read, rows_published, rows_quarantined, rows_rejected, status from meta.files order by file_hash`), { readOnly: true });
  const [a, b] = [await ledger(soakDb), await ledger(replayDb)];
  const key = (r: Record<string, unknown>) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  const inB = new Set(b.map(key));
  const inA = new Set(a.map(key));
  return [
    ...a.filter((r) => !inB.has(key(r))).map((r) => `meta.files: ${String(r.file_name)} differs from the replay (soak: ${key(r)})`),
    ...b.filter((r) => !inA.has(key(r))).map((r) => `meta.files: ${String(r.file_name)} in the replay not so in the soak`),
  ];
}
