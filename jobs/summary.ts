import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';
import type { SkippedFile } from '../transforms/ingest/find-new.ts';
import type { FileAccount, KindAccount } from '../transforms/publish/ledger.ts';

/** What a run did, in the shape the summary and the tests read. */
export interface RunSummary {
  readonly runId: string;
  batchId: string | null;
  /** The batch the run committed, set at its commit (batchId only once it is published). */
  committedBatchId?: string;
  /** The quality report (HTML) of the run, when it published a batch. */
  report: string | null;
  readonly files: FileAccount[];
  readonly skipped: SkippedFile[];
  /**
   * Kinds held back by a failed aggregate check: `held` rows wait for `fangst release`, `withErrors`
   * stay quarantined for errors of their own (both are in the kind's quarantined count).
   */
  readonly heldBack: Array<{ kind: string; checks: string[]; held: number; withErrors: number; runId: string }>;
  readonly alerts: Array<{ message: string }>;
  readonly totals: { read: number; published: number; quarantined: number; rejected: number };
  readonly byKind: KindAccount[];
  /** Batches an interrupted run committed that this run published first (before its own). */
  readonly recovered?: readonly string[];
  /** Set when the job loaded the inbox as several runs (combineRuns): one line each. */
  readonly runs?: ReadonlyArray<{ runId: string; batchId: string | null; report: string | null; files: number; read: number; heldBack: string[] }>;
}

/** The rows of a run's files added up; the clinic register is reference data, reported on its own line. */
export function totalsOf(files: readonly FileAccount[]): RunSummary['totals'] {
  const totals = { read: 0, published: 0, quarantined: 0, rejected: 0 };
  for (const f of files) {
    if (f.kind === 'register') continue;
    totals.read += f.read;
    totals.published += f.published;
    totals.quarantined += f.quarantined;
    totals.rejected += f.rejected;
  }
  return totals;
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * The runs of one job (a large inbox loaded as consecutive runs) as one summary: files, rows,
 * findings and alerts added up; `runs` keeps each run's id, batch and report.
 */
export function combineRuns(runs: readonly RunSummary[]): RunSummary {
  const byKind = new Map<string, RunSummary['byKind'][number]>();
  for (const k of runs.flatMap((r) => r.byKind)) {
    const t = byKind.get(k.kind) ?? { kind: k.kind, read: 0, published: 0, quarantined: 0, rejected: 0 };
    byKind.set(k.kind, { kind: k.kind, read: t.read + k.read, published: t.published + k.published, quarantined: t.quarantined + k.quarantined, rejected: t.rejected + k.rejected });
  }
  const sum = (f: (t: RunSummary['totals']) => number) => runs.reduce((s, r) => s + f(r.totals), 0);
  const last = runs[runs.length - 1]!;
  return {
    runId: runs[0]!.runId,
    batchId: last.batchId,
    report: last.report,
    files: runs.flatMap((r) => r.files),
    skipped: runs.flatMap((r) => r.skipped),
    heldBack: runs.flatMap((r) => r.heldBack),
    alerts: runs.flatMap((r) => r.alerts),
    recovered: runs.flatMap((r) => r.recovered ?? []),
    totals: { read: sum((t) => t.read), published: sum((t) => t.published), quarantined: sum((t) => t.quarantined), rejected: sum((t) => t.rejected) },
    byKind: [...byKind.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1)),
    runs: runs.map(runOf),
  };
}

/** One run of a backfill, as it is done: the line its summary gives it at the end, numbered. */
export function formatRunDone(r: RunSummary, run: number, of: number): string {
  return maskIdentifiers(`fangst nightly: run ${run} of ${of} done:${runLine(runOf(r)).slice(1)}\n`);
}

function runOf(r: RunSummary): NonNullable<RunSummary['runs']>[number] {
  return { runId: r.runId, batchId: r.batchId, report: r.report, files: r.files.length, read: r.totals.read, heldBack: r.heldBack.map((h) => h.kind) };
}

function runLine(r: NonNullable<RunSummary['runs']>[number]): string {
  const outcome = r.batchId ? `batch ${r.batchId} published` : 'nothing published';
  return `  ${r.runId}: ${n(r.files)} files, ${n(r.read)} rows read, ${outcome}${r.heldBack.length ? `, held back: ${r.heldBack.join(', ')}` : ''}`;
}

/** The end-of-run summary: what a person reads in five seconds. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const loaded = s.files.filter((f) => !f.error).length;
  // A file that could not even be read counts as failed: the next run tries it again.
  const failed = [...s.files.filter((f) => f.error), ...s.skipped.filter((f) => f.outcome === 'unreadable').map((f) => ({ file: f.file, error: f.detail }))];
  const already = s.skipped.filter((f) => f.outcome === 'already_loaded' || f.outcome === 'duplicate_in_run').length;
  const unknown = s.skipped.filter((f) => f.outcome === 'unrecognised');
  // A hold is what the operator must act on: it comes first, before what did publish.
  const held = s.heldBack.map((h) => h.kind);
  if (s.runs) {
    lines.push(`fangst nightly: ${held.length ? `HELD BACK ${[...new Set(held)].join(', ')}; ` : ''}the inbox loaded as ${s.runs.length} consecutive runs (run_input_budget)`);
    for (const r of s.runs) lines.push(runLine(r));
  } else {
    // a run with nothing of its own that published an interrupted run's batch did publish (the next line says which)
    const published = s.batchId ? `batch ${s.batchId} published` : s.recovered?.length ? 'no new rows of its own' : 'nothing new to publish';
    lines.push(`fangst nightly ${s.runId}: ${held.length ? `HELD BACK ${held.join(', ')}; ${s.batchId ? `batch ${s.batchId} published with the other kinds` : published}` : published}`);
  }
  if (s.recovered?.length) {
    lines.push(`also published, first: ${s.recovered.length === 1 ? 'batch' : 'batches'} ${s.recovered.join(', ')}, committed by an interrupted run`);
  }
  lines.push(`files: ${loaded} loaded, ${already} already loaded (skipped), ${failed.length} failed, ${unknown.length} not recognised`);
  if (s.files.length) {
    const t = s.totals;
    lines.push(`rows:  ${n(t.read)} read = ${n(t.published)} published + ${n(t.quarantined)} quarantined + ${n(t.rejected)} rejected`);
    const w = Math.max(...s.byKind.map((k) => k.kind.length), 4);
    lines.push('');
    lines.push(`  ${'kind'.padEnd(w)}  ${'read'.padStart(10)}  ${'published'.padStart(10)}  ${'quarantined'.padStart(11)}  ${'rejected'.padStart(9)}`);
    for (const k of s.byKind) {
      lines.push(`  ${k.kind.padEnd(w)}  ${n(k.read).padStart(10)}  ${n(k.published).padStart(10)}  ${n(k.quarantined).padStart(11)}  ${n(k.rejected).padStart(9)}`);
    }
  }
  for (const r of s.files.filter((f) => f.kind === 'register' && !f.error)) {
    // a register row rejected drops its clinic: every row of that clinic is quarantined as unregistered
    const rejected = r.rejected > 0 ? `; ${n(r.rejected)} row${r.rejected === 1 ? '' : 's'} of it rejected (why: the quality report)` : '';
    lines.push(`clinic register: ${n(r.published)} clinic${r.published === 1 ? '' : 's'} from ${r.file}${rejected}`);
  }
  for (const h of s.heldBack) {
    lines.push(`HELD BACK: ${h.kind} (${h.checks.join(', ')}): ${n(h.held)} rows wait for a release${h.withErrors ? `, ${n(h.withErrors)} more are quarantined for errors of their own` : ''}`);
    lines.push(`  once the check is fixed or overridden: fangst release --run ${h.runId} --kind ${h.kind} --reason "..."`);
  }
  for (const f of failed) lines.push(`FAILED: ${f.file}: ${f.error}`);
  for (const f of unknown) lines.push(`not loaded: ${f.file}: ${f.detail}`);
  for (const a of s.alerts.slice(0, 10)) lines.push(`ALERT: ${a.message}`);
  if (s.alerts.length > 10) lines.push(`ALERT: ... and ${s.alerts.length - 10} more (see the quality report)`);
  if (s.report) lines.push(s.runs ? `quality reports: one per run; the last: ${s.report}` : `quality report: ${s.report}`);
  // File names and reasons are as delivered: an identifier in one is masked on the terminal too.
  return maskIdentifiers(lines.join('\n') + '\n');
}
