// The Markdown summary of a run's quality report: what failed, alerts, held-back kinds.
import { maskIdentifiers } from '../../../transforms/privacy/identifiers.ts';
import { readingOf } from '../../registry.ts';
import type { QualityReportData, ReportCheck } from './collect.ts';

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
  const lines: string[] = [];
  lines.push(`# Quality report – run ${data.runId}`, '');
  lines.push(`Batch ${data.batchId ?? '–'}, checked ${data.runAt}.${data.shareable ? ' Shareable: no patient identifiers; – marks a suppressed figure (a count of 1–4, or one that with the totals would give one back).' : ''}`, '');
  lines.push(`- Held back: ${data.heldBackKinds.length ? data.heldBackKinds.join(', ') : 'nothing'}`);
  lines.push(`- Rows quarantined: ${count(data.rowsQuarantined, data.shareable)} (${count(data.rowsWithErrors, data.shareable)} with errors, ${count(data.rowsHeldBack, data.shareable)} held back)`);
  lines.push(`- Checks: ${data.counts.failed} failed, ${data.counts.warned} warned, ${data.counts.passed} passed, ${data.counts.notEvaluated} not evaluated`);
  lines.push(`- Alerts: ${data.alerts.length}`, '');
  lines.push('## What failed', '');
  if (data.problems.length === 0) lines.push('Every check passed.', '');
  else {
    lines.push('| outcome | check | failing | of | percent | allowed | systems | reason |', '|---|---|--:|--:|--:|---|---|---|');
    for (const c of data.problems) lines.push(row(c, data.shareable));
    lines.push('');
  }
  lines.push('## Alerts', '');
  if (data.alerts.length === 0) lines.push('No anomalies against the history.', '');
  else {
    for (const a of data.alerts) lines.push(`- **${a.type}** (${a.kind}): ${markdownText(a.message)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function row(c: ReportCheck, shareable: boolean): string {
  if (readingOf(c.checkType) === 'age_hours') {
    return `| ${c.outcome} | ${c.checkId} | ${c.numerator == null ? '–' : `${Math.round(c.numerator)} h old`} | | | ${markdownText(c.threshold)} | | ${markdownText(c.message)} |`;
  }
  if (c.checkType === 'pipeline') return `| ${c.outcome} | ${c.checkId} (${c.kind}) | ${count(c.numerator, shareable)} | | | | | ${markdownText(c.message)} |`;
  return `| ${c.outcome} | ${c.checkId} | ${count(c.numerator, shareable)} | ${count(c.denominator, shareable)} | ${pct(c.percent)} | ${markdownText(c.threshold)} | ${markdownText(c.systems.map((s) => s.system).join(', '))} | ${markdownText(c.message)} |`;
}
