// The Markdown summary of a run's quality report: where the rows went, what failed and where,
// alerts, held-back kinds.
import { maskIdentifiers } from '../../../transforms/privacy/identifiers.ts';
import { readingOf } from '../../registry.ts';
import { duration, durationsIn, localTime } from '../../report-kit/wording.ts';
import type { QualityReportData, ReportCheck } from './collect.ts';
import { checkName, madeWith, measured, rows } from './render-html.ts';

/**
 * Text in a table cell or list item, as text: a reason or a name may quote delivered values, and
 * Markdown renderers pass HTML through and follow links, so HTML's special characters become
 * entities, Markdown's own are escaped, and an identifier is masked.
 */
export const markdownText = (v: unknown) => maskIdentifiers(String(v ?? ''))
  .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  .replace(/[\\`*_[\]|]/g, (ch) => `\\${ch}`)
  .replace(/\r?\n/g, ' ');
// shareable: a hidden count may be a 1-4 or a larger one that would give a 1-4 back
const count = (n: number | null, shareable = false) => (n == null ? (shareable ? '–' : '<5') : Math.round(n).toLocaleString('en-US'));
const pct = (p: number | null) => (p == null ? '–' : `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`);

export function renderQualityMarkdown(data: QualityReportData): string {
  const s = data.shareable;
  const acc = data.accounting;
  const lines: string[] = [];
  lines.push(`# Quality report – run ${data.runId}`, '');
  lines.push(`Batch ${data.batchId ?? '–'}, checked ${localTime(data.runAt, data.about.timeZone)}.${s ? ' Shareable: no patient identifiers, clinics pseudonymised; – marks a suppressed figure (a count of 1–4, or one that with the totals would give one back).' : ''}`, '');
  lines.push(`- Rows: ${count(acc.total.read, s)} read = ${count(acc.total.published, s)} published + ${count(acc.total.quarantined, s)} quarantined + ${count(acc.total.rejected, s)} rejected`);
  lines.push(`- Files: ${acc.failed.length} failed, ${acc.skipped.length} skipped`);
  lines.push(`- Held back: ${data.heldBackKinds.length ? data.heldBackKinds.join(', ') : 'nothing'}`);
  lines.push(`- Rows quarantined: ${count(data.rowsQuarantined, data.shareable)} (${count(data.rowsWithErrors, data.shareable)} with errors, ${count(data.rowsHeldBack, data.shareable)} held back)`);
  lines.push(`- Checks: ${data.counts.failed} failed, ${data.counts.warned} warned, ${data.counts.passed} passed, ${data.counts.notEvaluated} not evaluated`);
  lines.push(`- Alerts: ${data.alerts.length}`, '');

  lines.push('## Where the rows went', '', 'read = published + quarantined + rejected', '');
  if (acc.kinds.length === 0) lines.push('The run loaded no data file.', '');
  else {
    lines.push('| kind | read | published | quarantined | rejected |', '|---|--:|--:|--:|--:|');
    for (const a of [...acc.kinds, acc.total]) {
      const name = a.kind === 'all' ? '**all kinds**' : markdownText(a.kind);
      lines.push(`| ${name} | ${count(a.read, s)} | ${count(a.published, s)} | ${count(a.quarantined, s)} | ${count(a.rejected, s)} |`);
    }
    lines.push('');
  }
  const notes = (title: string, list: QualityReportData['accounting']['failed']) => {
    if (!list.length) return;
    lines.push(`### ${title} (${list.length})`, '');
    for (const f of list) lines.push(`- ${markdownText(f.file)}: ${markdownText(f.outcome.replaceAll('_', ' '))}${f.reason ? ` – ${markdownText(f.reason)}` : ''}`);
    lines.push('');
  };
  notes('Failed files', acc.failed);
  notes('Skipped files', acc.skipped);
  notes('Files loaded with a note', acc.loadedWithNote);
  // the files whose rows did not all go out; every file is in the HTML and the JSON
  const withProblems = acc.files.filter((f) => (f.quarantined ?? 0) + (f.rejected ?? 0) > 0);
  if (withProblems.length) {
    lines.push(`### Files with rows quarantined or rejected (${withProblems.length} of ${acc.files.length})`, '', '| file | kind | read | published | quarantined | rejected |', '|---|---|--:|--:|--:|--:|');
    for (const f of withProblems) lines.push(`| ${markdownText(f.file)} | ${markdownText(f.kind)} | ${count(f.read, s)} | ${count(f.published, s)} | ${count(f.quarantined, s)} | ${count(f.rejected, s)} |`);
    lines.push('');
  }

  lines.push('## What failed', '');
  if (data.problems.length === 0) lines.push('Every check passed.', '');
  else {
    lines.push('| outcome | check | failing | of | percent | allowed | systems | reason |', '|---|---|--:|--:|--:|---|---|---|');
    for (const c of data.problems) lines.push(row(c, s));
    lines.push('');
  }
  const where = data.problems.filter((c) => c.systems.length || c.clinics.length || c.findings.length);
  if (where.length) {
    lines.push('## Where it failed', '');
    for (const c of where) {
      lines.push(`### ${markdownText(checkName(c))}`, '');
      for (const x of c.systems) lines.push(`- system ${markdownText(x.system)}: ${markdownText(measured({ ...c, ...x }, s))}`);
      for (const k of c.clinics) lines.push(`- clinic ${markdownText(k.clinic)}${k.name ? ` (${markdownText(k.name)})` : ''}: ${markdownText(s ? `${count(k.numerator, s)} failing` : measured({ ...c, ...k }, s))}`);
      if (c.clinicsAffected !== null && c.clinicsAffected > c.clinics.length) lines.push(`- … the ${c.clinics.length} most affected of ${c.clinicsAffected} clinics`);
      for (const f of c.findings) lines.push(`- ${markdownText(rows(f.rows, s))}: ${markdownText(f.reason)}`);
      lines.push('');
    }
  }
  lines.push('## Alerts', '');
  if (data.alerts.length === 0) lines.push('No anomalies against the history.', '');
  else {
    for (const a of data.alerts) lines.push(`- **${a.type}** (${a.kind}): ${markdownText(a.message)}`);
    lines.push('');
  }
  lines.push('---', '', ...madeWith(data).map(markdownText), '');
  return lines.join('\n');
}

function row(c: ReportCheck, shareable: boolean): string {
  if (readingOf(c.checkType) === 'age_hours') {
    return `| ${c.outcome} | ${c.checkId} | ${c.numerator == null ? '–' : `${duration(c.numerator)} old`} | | | ${markdownText(durationsIn(c.threshold ?? ''))} | | ${markdownText(c.message)} |`;
  }
  if (c.checkType === 'pipeline') return `| ${c.outcome} | ${c.checkId} (${c.kind}) | ${count(c.numerator, shareable)} | | | | | ${markdownText(c.message)} |`;
  const systems = c.systems.map((x) => `${x.system} ${count(x.numerator, shareable)}`).join(', ');
  return `| ${c.outcome} | ${c.checkId} | ${count(c.numerator, shareable)} | ${count(c.denominator, shareable)} | ${pct(c.percent)} | ${markdownText(c.threshold)} | ${markdownText(systems)} | ${markdownText(c.message)} |`;
}
