// The quality report of one run as one self-contained HTML page (report kit shell,
// echarts rendered to SVG in Node): what failed first, then alerts, trends and the rest.
import { barChart, lineChart, sparkline } from '../../report-kit/charts.ts';
import { chartFigure, escapeHtml, keyFigures, raw, renderPage, renderTable, section } from '../../report-kit/html.ts';
import { readingOf } from '../../registry.ts';
import type { QualityReportData, ReportCheck, SampleRow } from './collect.ts';

// A shareable report hides counts of 1-4 and the counts that would give them back (which are
// not small), so a hidden count is marked as hidden, not as "<5".
function count(n: number | null, shareable = false): string {
  return n == null ? (shareable ? '–' : '<5') : Math.round(n).toLocaleString('en-US');
}

function pct(p: number | null): string {
  return p == null ? '–' : `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
}

function measured(c: ReportCheck, shareable: boolean): string {
  if (c.checkType === 'pipeline') return `${count(c.numerator, shareable)} rows`;
  switch (readingOf(c.checkType)) {
    case 'age_hours':
      return c.numerator == null ? '–' : `${Math.round(c.numerator)} h old`;
    case 'share':
      return `${count(c.numerator, shareable)} of ${count(c.denominator, shareable)} (${pct(c.percent)})`;
    case 'row_count':
      return `${count(c.numerator, shareable)} rows`;
    case 'difference':
      return `difference ${count(c.numerator, shareable)}`;
    case 'failing_rows':
      return `${count(c.numerator, shareable)} of ${count(c.denominator, shareable)} rows (${pct(c.percent)})`;
  }
}

export function renderQualityHtml(data: QualityReportData): string {
  const held = data.heldBackKinds.length ? data.heldBackKinds.join(', ') : 'none';
  const figures = keyFigures([
    { label: 'Held back', value: held, sub: 'data kinds not published this batch' },
    {
      label: 'Rows quarantined', value: count(data.rowsQuarantined, data.shareable),
      sub: `${count(data.rowsWithErrors, data.shareable)} with errors, ${count(data.rowsHeldBack, data.shareable)} held back`,
    },
    { label: 'Checks failed', value: String(data.counts.failed), sub: `${data.counts.warned} warned` },
    { label: 'Checks passed', value: String(data.counts.passed), sub: `${data.counts.notEvaluated} not evaluated` },
    { label: 'Alerts', value: String(data.alerts.length), sub: 'anomalies against the history' },
  ]);

  const problemTable = renderTable<ReportCheck>(
    [
      { label: 'Outcome', value: (c) => raw(`<span class="${c.outcome === 'failed' ? 'bad' : ''}">${escapeHtml(c.outcome)}</span>`) },
      { label: 'Check', value: (c) => (c.checkType === 'pipeline' ? `${c.checkId} (${c.kind})` : c.checkId) },
      { label: 'Scope', value: (c) => (c.checkScope === 'aggregate' ? 'whole kind' : 'rows') },
      { label: 'Measured', value: (c) => measured(c, data.shareable), numeric: true },
      { label: 'Allowed', value: (c) => c.threshold ?? '' },
      { label: 'Systems', value: (c) => c.systems.map((s) => s.system).join(', ') },
      { label: 'Trend', value: (c) => raw(trendSparkline(c)) },
      { label: 'What it means', value: (c) => c.message ?? '' },
    ],
    data.problems,
    { empty: 'Every check passed.', rowClass: (c) => (c.outcome === 'failed' ? undefined : 'muted') },
  );

  const failing = data.problems.filter((c) => c.checkScope === 'row' && (c.numerator ?? 0) > 0).slice(0, 15);
  const failingChart = failing.length
    ? chartFigure(
        barChart({
          title: 'Failing rows per check (this run)',
          categories: failing.map((c) => c.checkId),
          series: [{ name: 'failing rows', values: failing.map((c) => c.numerator) }],
          horizontal: true,
          width: 900,
          height: Math.max(160, 40 + 24 * failing.length),
        }),
        data.shareable ? 'Suppressed counts are not drawn.' : undefined,
      )
    : '';

  const alerts = renderTable(
    [
      { label: 'Alert', value: (a: QualityReportData['alerts'][number]) => a.type },
      { label: 'Kind', value: (a) => a.kind },
      { label: 'Where', value: (a) => a.scope },
      { label: 'Day', value: (a) => (a.dayTo && a.dayTo !== a.day ? `${a.day} – ${a.dayTo}` : (a.day ?? '')) },
      { label: 'Message', value: (a) => a.message },
    ],
    data.alerts,
    { empty: 'No anomalies against the history.' },
  );

  const runs = data.runs;
  const trendChart = runs.length
    ? chartFigure(
        lineChart({
          title: 'Rows with errors per run',
          categories: runs.map((r) => r.runAt.slice(0, 10)),
          series: [{ name: 'rows with errors', values: runs.map((r) => r.rowsWithErrors) }],
          width: 900,
          height: 240,
        }),
        `The last ${runs.length} runs, this one last.`,
      )
    : '';
  const volumeKinds = [...new Set(data.volume.map((v) => v.kind))];
  const days = [...new Set(data.volume.map((v) => v.day))].sort();
  const volumeChart =
    days.length > 1
      ? chartFigure(
          lineChart({
            title: 'Rows delivered per data day',
            categories: days,
            series: volumeKinds.map((k) => {
              const byDay = new Map(data.volume.filter((v) => v.kind === k).map((v) => [v.day, v.rows]));
              return { name: k, values: days.map((d) => byDay.get(d) ?? 0) };
            }),
            width: 900,
            height: 280,
          }),
          'Nationally, by contact, letter or sampling date, over the last 60 days with data.',
        )
      : '';

  const sampleSections = data.problems
    .filter((c) => data.samples[c.checkId]?.length)
    .map((c) => `<h3>${escapeHtml(c.checkId)}</h3>${renderTable<SampleRow>(sampleColumns(data.shareable), data.samples[c.checkId]!)}`)
    .join('\n');

  const rest = renderTable<ReportCheck>(
    [
      { label: 'Outcome', value: (c) => c.outcome },
      { label: 'Check', value: (c) => c.checkId },
      { label: 'Category', value: (c) => c.category },
      { label: 'Measured', value: (c) => (c.outcome === 'not_evaluated' ? '' : measured(c, data.shareable)), numeric: true },
      { label: 'Note', value: (c) => (c.outcome === 'not_evaluated' ? (c.message ?? '') : '') },
    ],
    [...data.passed, ...data.notEvaluated],
    { rowClass: () => 'muted' },
  );

  const body = [
    figures,
    section('What failed', `${problemTable}\n${failingChart}`, {
      id: 'failed',
      intro: 'Failed checks first (error severity), then warnings. A row check at error severity quarantines its rows; an aggregate (whole-kind) check that fails holds the kind back.',
    }),
    section('Alerts', alerts, { id: 'alerts', intro: 'Clinic volumes per data day and check failure rates against a robust baseline (median and MAD) of their own history.' }),
    section('Trends', `${trendChart}\n${volumeChart}`, { id: 'trends' }),
    section('Sample rows', sampleSections || '<p class="note">No row-level findings.</p>', {
      id: 'samples',
      intro: data.shareable
        ? 'Up to five findings per check: file, line and column only (shareable report: no patient identifiers).'
        : 'Up to five findings per check. Patients appear by pseudonym only; a pseudonym that looks like a CPR number is withheld.',
    }),
    section('Everything else', rest, { id: 'passed' }),
  ].join('\n');

  return renderPage({
    title: `Quality report – run ${data.runId}`,
    subtitle: `Batch ${data.batchId ?? '–'} · checked ${data.runAt}${data.shareable ? ' · shareable: no patient identifiers, small counts suppressed' : ''}`,
    body,
    footer: data.shareable ? '– marks a suppressed figure: a count of 1–4, a count that with the totals beside it would give one back, or a percent or trend of such a count.' : undefined,
  });
}

function trendSparkline(c: ReportCheck): string {
  const values = c.trend;
  if (values.length < 2) return '';
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  return sparkline(values, { min: 0, max, label: `${c.checkId} over the last ${values.length} runs` });
}

function sampleColumns(shareable: boolean) {
  const cols = [
    { label: 'File', value: (s: SampleRow) => s.sourceFile },
    { label: 'Line', value: (s: SampleRow) => s.sourceLine, numeric: true },
    { label: 'Column', value: (s: SampleRow) => s.column ?? '' },
  ];
  if (!shareable) {
    cols.push({ label: 'Record', value: (s: SampleRow) => s.recordKey ?? '' }, { label: 'Patient (pseudonym)', value: (s: SampleRow) => s.patient ?? '' });
  }
  cols.push({ label: 'Reason', value: (s: SampleRow) => s.reason });
  return cols;
}
