/** What a run did, in the shape the summary and the tests read. */
export interface RunSummary {
  readonly runId: string;
  batchId: string | null;
  /** The quality report (HTML) of the run, when it published a batch. */
  report: string | null;
  readonly files: Array<{
    file: string; kind: string; system: string | null;
    read: number; published: number; quarantined: number; rejected: number; error: string | null;
  }>;
  readonly skipped: Array<{ file: string; outcome: 'already_loaded' | 'duplicate_in_run' | 'unrecognised' | 'unreadable'; detail: string }>;
  readonly heldBack: Array<{ kind: string; checks: string[] }>;
  readonly alerts: Array<{ message: string }>;
  readonly totals: { read: number; published: number; quarantined: number; rejected: number };
  readonly byKind: Array<{ kind: string; read: number; published: number; quarantined: number; rejected: number }>;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The end-of-run summary: what a person reads in five seconds. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  const loaded = s.files.filter((f) => !f.error).length;
  // A file that could not even be read counts as failed: the next run tries it again.
  const failed = [...s.files.filter((f) => f.error), ...s.skipped.filter((f) => f.outcome === 'unreadable').map((f) => ({ file: f.file, error: f.detail }))];
  const already = s.skipped.filter((f) => f.outcome === 'already_loaded' || f.outcome === 'duplicate_in_run').length;
  const unknown = s.skipped.filter((f) => f.outcome === 'unrecognised');
  lines.push(`fangst nightly ${s.runId}: ${s.batchId ? `batch ${s.batchId} published` : 'nothing new to publish'}`);
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
    lines.push(`clinic register: ${n(r.published)} clinics from ${r.file}`);
  }
  for (const h of s.heldBack) lines.push(`HELD BACK: ${h.kind} (${h.checks.join(', ')})`);
  for (const f of failed) lines.push(`FAILED: ${f.file}: ${f.error}`);
  for (const f of unknown) lines.push(`not loaded: ${f.file}: ${f.detail}`);
  for (const a of s.alerts.slice(0, 10)) lines.push(`ALERT: ${a.message}`);
  if (s.alerts.length > 10) lines.push(`ALERT: ... and ${s.alerts.length - 10} more (see the quality report)`);
  if (s.report) lines.push(`quality report: ${s.report}`);
  return lines.join('\n') + '\n';
}
