// `fangst runs [--limit N] [--json]`: the recent runs (nightly and release) from meta.runs, newest
// first, with their status, exit code, batch, rows and what they held back. Read-only.
import type { Command } from 'commander';
import { UsageError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { queryRows } from '../transforms/db/connection.ts';
import { EXIT } from './exit-codes.ts';
import { openForReading } from './open-database.ts';

export interface RunsOptions {
  readonly config?: string;
  readonly db?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

export interface RunRow {
  readonly run_id: string;
  readonly job: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly elapsed_ms: number | null;
  readonly status: string;
  readonly exit_code: number | null;
  readonly batch_id: string | null;
  readonly rows: { read: number; published: number; quarantined: number; rejected: number } | null;
  readonly held_back: string[];
  /** For a release: the run and kind it released, and how many rows (counted under that run). */
  readonly released: { run_id: string; kind: string; by: string; rows: number } | null;
  readonly message: string | null;
}

export async function listRuns(opts: RunsOptions): Promise<{ runs: RunRow[]; timeZone: string }> {
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit', opts.limit, 'a whole number of runs, at least 1');
  const config = await loadConfig(opts.config, { database: opts.db });
  const db = await openForReading(config.database);
  try {
    const conn = await db.connect();
    const rows = await queryRows<{
      run_id: string; job: string; started_at: string; finished_at: string | null; ms: bigint | null; status: string; exit_code: number | null;
      batch_id: string | null; rows_read: bigint | null; rows_published: bigint | null; rows_quarantined: bigint | null; rows_rejected: bigint | null;
      held: string[] | null; rel_run: string | null; rel_kind: string | null; rel_by: string | null; rel_rows: bigint | null; message: string | null;
    }>(conn, `
      select r.run_id, r.job, strftime(r.started_at, '%Y-%m-%dT%H:%M:%SZ') as started_at,
          strftime(r.finished_at, '%Y-%m-%dT%H:%M:%SZ') as finished_at, epoch_ms(r.finished_at) - epoch_ms(r.started_at) as ms,
          r.status, r.exit_code, r.batch_id, r.rows_read, r.rows_published, r.rows_quarantined, r.rows_rejected,
          q.held_back_kinds as held, rel.run_id as rel_run, rel.kind as rel_kind, rel.released_by as rel_by, rel.rows_released as rel_rows, r.message
      from meta.runs as r
      left join quality.runs as q using (run_id)
      left join meta.releases as rel on rel.release_run_id = r.run_id
      order by r.started_at desc, r.run_id desc
      limit ${limit}`);
    const n = (v: bigint | null) => (v === null ? 0 : Number(v));
    return {
      timeZone: config.timeZone,
      runs: rows.map((r) => ({
        run_id: r.run_id, job: r.job, started_at: r.started_at, finished_at: r.finished_at, elapsed_ms: r.ms === null ? null : Number(r.ms),
        status: shownStatus(r), exit_code: r.exit_code, batch_id: r.batch_id,
        rows: r.rows_read === null ? null : { read: n(r.rows_read), published: n(r.rows_published), quarantined: n(r.rows_quarantined), rejected: n(r.rows_rejected) },
        held_back: r.held ?? [],
        released: r.rel_run && r.rel_kind ? { run_id: r.rel_run, kind: r.rel_kind, by: r.rel_by ?? '', rows: n(r.rel_rows) } : null,
        message: r.message,
      })),
    };
  } finally {
    db.close();
  }
}

/** A time as a person reads it: in the configured zone, minutes. */
function local(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  return parts;
}

function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export function formatRuns(runs: readonly RunRow[], timeZone: string): string {
  if (runs.length === 0) return 'no runs in this database yet\n';
  const num = (x: number) => x.toLocaleString('en-US');
  const table = runs.map((r) => [
    r.run_id, r.job, local(r.started_at, timeZone), duration(r.elapsed_ms), r.status, r.exit_code === null ? '–' : String(r.exit_code),
    r.batch_id ?? '–',
    r.rows ? num(r.rows.read) : '–', r.rows ? num(r.rows.published) : '–', r.rows ? num(r.rows.quarantined) : '–', r.rows ? num(r.rows.rejected) : '–',
    r.held_back.length ? `held back: ${r.held_back.join(', ')}` : r.released ? `released ${num(r.released.rows)} rows of ${r.released.kind} of ${r.released.run_id} (${r.released.by})` : '',
  ]);
  const head = ['run', 'job', `started (${timeZone})`, 'took', 'status', 'exit', 'batch', 'read', 'published', 'quarantined', 'rejected', ''];
  const numeric = new Set([5, 7, 8, 9, 10]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(head), ...table.map(line)].join('\n')}\n`;
}

export async function runRuns(opts: RunsOptions, out: (t: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { runs, timeZone } = await listRuns(opts);
  out(opts.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs, timeZone));
  return EXIT.ok;
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('runs')
    .description('list the recent runs (nightly and release), newest first: status, exit code, batch, rows, what was held back (read-only)')
    .option('--config <file>', 'pipeline configuration (for the default database and the time zone)', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB database (default: from the configuration)')
    .option('--limit <n>', 'how many runs (default 20)')
    .option('--json', 'print the runs as JSON')
    .action(async (o: RunsOptions) => exit(await runRuns(o)));
}

/**
 * A finished night in the words of its run_results.json (jobs/run-results.ts): a run that
 * succeeded but held a kind back (exit 3) is held_back, one that published no batch nothing_new.
 */
function shownStatus(r: { job: string; status: string; exit_code: number | null; batch_id: string | null }): string {
  if (r.status !== 'succeeded' || r.job !== 'nightly') return r.status;
  if (r.exit_code === EXIT.heldBack) return 'held_back';
  return r.batch_id === null ? 'nothing_new' : 'succeeded';
}
