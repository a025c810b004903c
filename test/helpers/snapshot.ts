import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS } from '../../config/load.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import type { Workspace } from './inbox.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Plain JSON values: bigints as numbers, dates as ISO strings, so snapshots compare with toEqual. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * What a run left in the database, without what differs from run to run (run
 * and batch ids and their times): two histories that loaded the same inbox must have
 * equal snapshots, row for row.
 */
export async function databaseSnapshot(db: string) {
  return withDatabase(db, async (_d, conn) => {
    const q = async (sql: string) => (await queryRows(conn, sql)).map(plain);
    const core: Record<string, unknown[]> = {};
    for (const kind of KINDS) core[kind] = await q(`select * exclude (run_id, batch_id, batch_at) from core.${kind} order by record_key`);
    return {
      core,
      quarantine: await q(`select kind, record_key, file_hash, source_file, source_line, check_ids, reasons from core.quarantine order by all`),
      files: await q(`select file_hash, file_name, journal_system, kind, bytes, rows_read, rows_published, rows_quarantined,
        rows_rejected, status, error from meta.files order by file_hash`),
      rejects: await q(`select file_hash, source_file, source_line, column_name, reason, raw_value from meta.rejects order by all`),
      findings: await q(`select * exclude (run_id) from quality.row_findings order by all`),
      clinics: await q(`select * from ref.clinics order by sor_code`),
      batches: await q(`select status, count(*) as n from meta.batches group by status order by status`),
      unfinishedRuns: await q(`select status from meta.runs where status = 'running'`),
    };
  });
}

/**
 * What the outbox holds: every visible folder must be a complete batch
 * (_SUCCESS present); the row counts of its manifest, and the published rows
 * of all batches together, per output file, without run and batch ids.
 */
export async function outboxSnapshot(outbox: string) {
  const entries = existsSync(outbox) ? (await readdir(outbox)).sort() : [];
  const hidden = entries.filter((e) => e.startsWith('.'));
  const folders = entries.filter((e) => !e.startsWith('.'));
  const incomplete = folders.filter((f) => !existsSync(join(outbox, f, '_SUCCESS')));
  const manifests: Array<{ outputs: Array<{ file: string; rows: number }>; totals: unknown; sources: unknown[] }> = [];
  for (const f of folders) {
    if (!existsSync(join(outbox, f, 'manifest.json'))) continue;
    const m = JSON.parse(await readFile(join(outbox, f, 'manifest.json'), 'utf8'));
    manifests.push({
      outputs: m.outputs.map((o: { file: string; rows: number }) => ({ file: o.file, rows: o.rows })),
      totals: m.totals,
      sources: m.sources.map((s: Record<string, unknown>) => ({ ...s })),
    });
  }
  const rows: Record<string, unknown[]> = {};
  const complete = folders.filter((f) => !incomplete.includes(f));
  await withDatabase(':memory:', async (_d, conn) => {
    for (const file of [...KINDS.map((k) => `${k}.parquet`), 'quarantine.parquet', 'rejects.parquet']) {
      const paths = complete.map((f) => join(outbox, f, file)).filter((p) => existsSync(p));
      if (paths.length === 0) continue;
      const list = `[${paths.map(sqlString).join(', ')}]`;
      const cols = (await queryRows<{ column_name: string }>(conn, `describe select * from read_parquet(${list})`)).map((c) => c.column_name);
      const drop = ['run_id', 'batch_id'].filter((c) => cols.includes(c));
      const sel = drop.length ? `* exclude (${drop.join(', ')})` : '*';
      rows[file] = (await queryRows(conn, `select ${sel} from read_parquet(${list}) order by all`)).map(plain);
    }
  });
  return { hidden, folders: folders.length, incomplete, manifests, rows };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node jobs/fangst.js <args>` as a child process, as a scheduler would. */
export function fangst(args: string[], env: Record<string, string | undefined> = {}, options: { uid?: number; gid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'jobs', 'fangst.js'), ...args], {
      cwd: REPO,
      env: { ...process.env, FANGST_LOG_LEVEL: 'warn', FANGST_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The nightly command line for a workspace. */
export function nightlyArgs(ws: Workspace): string[] {
  return ['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports];
}
