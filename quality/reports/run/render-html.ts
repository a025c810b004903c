// The quality report of one run as one self-contained HTML page (report kit shell,
// echarts rendered to SVG in Node): where the rows went first, then what failed, alerts,
// trends and the rest.
import { barChart, lineChart, sparkline } from '../../report-kit/charts.ts';
import { chartFigure, escapeHtml, folded, keyFigures, raw, renderPage, renderTable, section } from '../../report-kit/html.ts';
import { countOf, duration, durationsIn, localTime } from '../../report-kit/wording.ts';
import { readingOf } from '../../registry.ts';
import type { ClinicFigure, FileNote, QualityReportData, ReportCheck, RowAccount, SampleRow } from './collect.ts';

/** The most checks the failing-rows chart draws; the caption says how many there were. */
const chartedChecks = 15;

// A shareable report hides counts of 1-4 and the counts that would give them back (which are
// not small), so a hidden count is marked as hidden, not as "<5".
export function count(n: number | null, shareable = false): string {
  return n == null ? (shareable ? '–' : '<5') : Math.round(n).toLocaleString('en-US');
}

/** Rows, with the noun agreeing: "1 row", "12 rows", "– rows". */
export function rows(n: number | null, shareable = false): string {
  return countOf(n, 'row', { hidden: shareable ? '–' : '<5' });
}

export function pct(p: number | null): string {
  return p == null ? '–' : `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
}

/** What a check measured, in words: "3 of 7,419 rows (0.04%)", "249 days 10 hours old". */
export function measured(c: Pick<ReportCheck, 'checkType' | 'numerator' | 'denominator' | 'percent'>, shareable: boolean): string {
  if (c.checkType === 'pipeline') return rows(c.numerator, shareable);
  switch (readingOf(c.checkType)) {
    case 'age_hours':
      return c.numerator == null ? '–' : `${duration(c.numerator)} old`;
    case 'share':
      return `${count(c.numerator, shareable)} of ${count(c.denominator, shareable)} (${pct(c.percent)})`;
    case 'row_count':
      return rows(c.numerator, shareable);
    case 'difference':
      return `difference ${count(c.numerator, shareable)}`;
    case 'failing_rows':
      return `${count(c.numerator, shareable)} of ${rows(c.denominator, shareable)} (${pct(c.percent)})`;
  }
}

/** A check's name where the kind is not part of it (the pipeline's own findings). */
export function checkName(c: Pick<ReportCheck, 'checkType' | 'checkId' | 'kind'>): string {
  return c.checkType === 'pipeline' ? `${c.checkId} (${c.kind})` : c.checkId;
}

/** The footer's lines: version, configuration, database and time zone. */
export function madeWith(data: QualityReportData): string[] {
  const a = data.about;
  return [
    `fangst ${a.fangstVersion ?? 'version unknown'} · configuration ${a.configHash ?? 'unknown'}${a.database === null ? '' : ` · database ${a.database}`}`,
    `Times in ${a.timeZone}.`,
  ];
}

export function renderQualityHtml(data: QualityReportData): string {
  const tz = data.about.timeZone;
  const acc = data.accounting;
  const held = data.heldBackKinds.length ? data.heldBackKinds.join(', ') : 'none';
  const figures = keyFigures([
    { label: 'Rows read', value: count(acc.total.read, data.shareable), sub: `${count(acc.total.rejected, data.shareable)} rejected` },
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
      { label: 'Check', value: (c) => raw(`<a href="#where-${escapeHtml(anchor(c))}">${escapeHtml(checkName(c))}</a>`) },
      { label: 'Scope', value: (c) => (c.checkScope === 'aggregate' ? 'whole kind' : 'rows') },
      { label: 'Measured', value: (c) => measured(c, data.shareable), numeric: true },
      { label: 'Allowed', value: (c) => durationsIn(c.threshold ?? '') },
      { label: 'Systems', value: (c) => c.systems.map((s) => `${s.system} ${count(s.numerator, data.shareable)}`).join(', ') },
      { label: 'Trend', value: (c) => raw(trendSparkline(c)) },
      { label: 'What it means', value: (c) => c.message ?? '' },
    ],
    data.problems,
    { empty: 'Every check passed.', rowClass: (c) => (c.outcome === 'failed' ? undefined : 'muted') },
  );

  // a suppressed count (null) is a check with failing rows too; the chart leaves its bar out
  const withRows = data.problems
    .filter((c) => c.checkScope === 'row' && (c.numerator === null || c.numerator > 0))
    .sort((a, b) => (b.numerator ?? 0) - (a.numerator ?? 0));
  const failing = withRows.slice(0, chartedChecks);
  const failingChart = failing.length
    ? chartFigure(
        barChart({
          title: 'Failing rows per check (this run)',
          categories: failing.map(checkName),
          series: [{ name: 'failing rows', values: failing.map((c) => c.numerator) }],
          horizontal: true,
          valueLabels: true,
          valueName: 'rows',
          categoryWidth: 320,
          width: 1000,
          height: Math.max(180, 60 + 26 * failing.length),
        }),
        [
          withRows.length > failing.length
            ? `${failing.length} of ${withRows.length} checks with failing rows shown, the most failing rows first.`
            : `All ${withRows.length} checks with failing rows.`,
          data.shareable ? 'Suppressed counts are not drawn.' : '',
        ].filter(Boolean).join(' '),
      )
    : '';

  const whereSections = data.problems.filter((c) => c.systems.length || c.clinics.length || c.findings.length).map((c) => whereItFailed(c, data.shareable)).join('\n');

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
  const runLabels = runs.map((r) => localTime(r.runAt, tz).slice(0, 16));
  const trendChart = runs.length
    ? chartFigure(
        lineChart({
          title: 'Rows with errors per run',
          categories: runLabels,
          series: [{ name: 'rows with errors', values: runs.map((r) => r.rowsWithErrors) }],
          yMin: 0,
          yName: 'rows',
          width: 900,
          height: 240,
        }),
        `${runs.length === 1 ? "This run only" : `The last ${runs.length} runs, this one last`}; times in ${tz}.`,
      )
    : '';
  const rated = runs.filter((r) => r.errorPercent !== null);
  const rateChart = rated.length
    ? chartFigure(
        lineChart({
          title: 'Rows with errors per run, as a percent of the rows read',
          categories: runLabels,
          series: [{ name: 'rows with errors, % of rows read', values: runs.map((r) => r.errorPercent) }],
          yMin: 0,
          valueSuffix: '%',
          width: 900,
          height: 240,
        }),
        'A small night makes few errors: the percent tells whether the data got better. Runs without a file ledger leave a gap.',
      )
    : '';
  const volumeKinds = [...new Set(data.volume.map((v) => v.kind))];
  const days = [...new Set(data.volume.map((v) => v.day))].sort();
  const after = data.volumeAfterRunDay;
  const volumeChart =
    days.length > 1
      ? chartFigure(
          lineChart({
            title: 'Rows delivered per data day',
            categories: days,
            series: volumeKinds.map((k) => {
              const byDay = new Map(data.volume.filter((v) => v.kind === k).map((v) => [v.day, v.rows]));
              // a day without rows is 0; a count the shareable report hides is a gap, not a 0
              return { name: k, values: days.map((d) => (byDay.has(d) ? byDay.get(d)! : 0)) };
            }),
            yMin: 0,
            yName: 'rows',
            width: 900,
            height: 280,
          }),
          [
            'Nationally, by contact, letter or sampling date, over the last 60 days with data up to the day of the run.',
            data.shareable && data.volume.some((v) => v.rows === null) ? 'Days with 1-4 rows of a kind are left out (a gap in its line).' : '',
            after.length
              ? `Not drawn: rows dated after the run's day, which are no data days (future dates, quarantined): ${after
                  .map((a) => `${a.kind} ${rows(a.rows, data.shareable)} dated ${a.firstDay}${a.lastDay !== a.firstDay ? ` to ${a.lastDay}` : ''}`)
                  .join('; ')}.`
              : '',
          ].filter(Boolean).join(' '),
        )
      : '';

  const sampleSections = data.problems
    .filter((c) => data.samples[c.checkId]?.length)
    .map((c) => `<h3>${escapeHtml(c.checkId)}</h3>${renderTable<SampleRow>(sampleColumns(data.shareable), data.samples[c.checkId]!)}`)
    .join('\n');

  const rest = [...data.passed, ...data.notEvaluated];
  const restTable = renderTable<ReportCheck>(
    [
      { label: 'Outcome', value: (c) => c.outcome },
      { label: 'Check', value: (c) => c.checkId },
      { label: 'Category', value: (c) => c.category },
      { label: 'Measured', value: (c) => (c.outcome === 'not_evaluated' ? '' : measured(c, data.shareable)), numeric: true },
      { label: 'Note', value: (c) => (c.outcome === 'not_evaluated' ? (c.message ?? '') : '') },
    ],
    rest,
    { rowClass: () => 'muted' },
  );

  const body = [
    figures,
    section('Where the rows went', accountingHtml(data), {
      id: 'accounting',
      intro: 'Every row read is published, quarantined (a check at error severity failed on it, or its kind was held back) or rejected (it could not be parsed): read = published + quarantined + rejected, per kind and per file.',
    }),
    section('What failed', `${problemTable}\n${failingChart}`, {
      id: 'failed',
      intro: 'Failed checks first (error severity), then warnings. A row check at error severity quarantines its rows; an aggregate (whole-kind) check that fails holds the kind back.',
    }),
    section('Where it failed', whereSections || '<p class="note">No journal system or clinic to name.</p>', {
      id: 'where',
      intro: data.shareable
        ? 'Per failed or warned check: the journal systems and the most affected clinics (pseudonyms), and what the findings say.'
        : 'Per failed or warned check: the journal systems and the most affected clinics, and what the findings say.',
    }),
    section('Alerts', alerts, { id: 'alerts', intro: 'Clinic volumes per data day and check failure rates against a robust baseline (median and MAD) of their own history.' }),
    section('Trends', `${trendChart}\n${rateChart}\n${volumeChart}`, { id: 'trends' }),
    section('Sample rows', sampleSections || '<p class="note">No row-level findings.</p>', {
      id: 'samples',
      intro: data.shareable
        ? 'Up to five findings per check: file, line and column only (shareable report: no patient identifiers), and only for a check whose count is shown and larger, from journal systems whose counts are shown.'
        : 'Up to five findings per check. Patients appear by pseudonym only; a pseudonym that looks like a CPR number is withheld.',
    }),
    section(
      'Everything else',
      rest.length ? folded(`${data.passed.length} checks passed, ${data.notEvaluated.length} not evaluated`, restTable, { id: 'passed-list' }) : '<p class="note">Nothing else.</p>',
      { id: 'passed' },
    ),
  ].join('\n');

  const footer = [
    ...(data.shareable ? ['– marks a suppressed figure: a count of 1–4, a count that with the totals beside it would give one back, or a percent or trend of such a count.'] : []),
    ...madeWith(data),
  ].map(escapeHtml).join('<br>');
  return renderPage({
    title: `Quality report – run ${data.runId}`,
    subtitle: `Batch ${data.batchId ?? '–'} · checked ${localTime(data.runAt, tz)}${data.shareable ? ' · shareable: no patient identifiers, clinics pseudonymised, small counts suppressed' : ''}`,
    body,
    footer,
  });
}

function accountingHtml(data: QualityReportData): string {
  const acc = data.accounting;
  const s = data.shareable;
  const numberCols = [
    { label: 'Read', value: (a: RowAccount) => count(a.read, s), numeric: true },
    { label: 'Published', value: (a: RowAccount) => count(a.published, s), numeric: true },
    { label: 'Quarantined', value: (a: RowAccount) => count(a.quarantined, s), numeric: true },
    { label: 'Rejected', value: (a: RowAccount) => count(a.rejected, s), numeric: true },
  ];
  const kinds = renderTable<RowAccount>(
    [{ label: 'Data kind', value: (a) => (a.kind === 'all' ? 'All kinds' : a.kind) }, ...numberCols],
    acc.kinds.length ? [...acc.kinds, acc.total] : [],
    { empty: 'The run loaded no data file.', rowClass: (a) => (a.kind === 'all' ? 'total' : undefined) },
  );
  const notes = (list: readonly FileNote[], title: string, explain: string) =>
    list.length
      ? `<h3>${escapeHtml(title)}</h3><p class="note">${escapeHtml(explain)}</p>${renderTable<FileNote>(
          [
            { label: 'File', value: (f) => f.file },
            { label: 'Outcome', value: (f) => f.outcome.replaceAll('_', ' ') },
            { label: 'Reason', value: (f) => f.reason ?? '' },
          ],
          list,
        )}`
      : '';
  const failed = notes(acc.failed, `Failed files (${acc.failed.length})`, 'Nothing of these was loaded; the next run tries them again.');
  const skipped = notes(acc.skipped, `Skipped files (${acc.skipped.length})`, 'Seen in the inbox and not loaded: content loaded before, the same content twice in this run, or a name no layout claims.');
  const loadedWithNote = notes(acc.loadedWithNote, `Files loaded with a note (${acc.loadedWithNote.length})`, 'Loaded, with something to know about how: a Latin-1 file with Windows bytes (dashes, euro) read as Windows-1252, one that is UTF-8 read as UTF-8, one with lines of both read line by line; columns no layout names, left out; no records.');
  const noFailures = acc.failed.length === 0 ? '<p class="note">No file failed.</p>' : '';
  const register = acc.register.map((r) => `<p class="note">Clinic register: ${escapeHtml(countOf(r.clinics, 'clinic'))} from ${escapeHtml(r.file)}.</p>`).join('');
  const files = acc.files.length
    ? folded(
        `Per file (${countOf(acc.files.length, 'file')})`,
        renderTable<(typeof acc.files)[number]>(
          [{ label: 'File', value: (f) => f.file }, { label: 'Kind', value: (f) => f.kind }, { label: 'System', value: (f) => f.system ?? '' }, ...numberCols],
          acc.files,
          { rowClass: (f) => ((f.quarantined ?? 0) + (f.rejected ?? 0) > 0 ? undefined : 'muted') },
        ),
        { id: 'files' },
      )
    : s
      ? '<p class="note">Per-file counts are in the operators\' report only (a file holds one clinic\'s rows).</p>'
      : '';
  return [kinds, failed, noFailures, skipped, loadedWithNote, register, files].join('\n');
}

/** A check's systems, most affected clinics and what its findings say. */
function whereItFailed(c: ReportCheck, shareable: boolean): string {
  const parts: string[] = [`<h3 id="where-${escapeHtml(anchor(c))}">${escapeHtml(checkName(c))} <span class="note">${escapeHtml(measured(c, shareable))}</span></h3>`];
  const figure = (f: { numerator: number | null; denominator: number | null; percent: number | null }) => measured({ ...c, ...f }, shareable);
  if (c.systems.length) {
    parts.push(renderTable(
      [
        { label: 'Journal system', value: (s: ReportCheck['systems'][number]) => s.system },
        { label: 'Outcome', value: (s) => s.outcome },
        { label: 'Measured', value: (s) => figure(s), numeric: true },
      ],
      c.systems,
    ));
  }
  if (c.clinics.length) {
    const affected = c.clinicsAffected;
    parts.push(renderTable<ClinicFigure>(
      [
        { label: shareable ? 'Clinic (pseudonym)' : 'Clinic (SOR)', value: (k) => k.clinic },
        ...(shareable ? [] : [{ label: 'Name', value: (k: ClinicFigure) => k.name ?? '' }]),
        { label: 'Outcome', value: (k) => k.outcome },
        // a shareable report gives a clinic's failing rows only
        { label: shareable ? 'Failing rows' : 'Measured', value: (k) => (shareable ? count(k.numerator, true) : figure(k)), numeric: true },
      ],
      c.clinics,
      {
        caption: affected !== null && affected > c.clinics.length
          ? `The ${c.clinics.length} most affected of ${affected} clinics.`
          : `${countOf(c.clinics.length, 'clinic')} affected.`,
      },
    ));
  }
  if (c.findings.length) {
    parts.push(renderTable(
      [
        { label: 'What the findings say', value: (f: ReportCheck['findings'][number]) => f.reason },
        { label: 'Rows', value: (f) => count(f.rows, shareable), numeric: true },
      ],
      c.findings,
    ));
  }
  return parts.join('\n');
}

const anchor = (c: Pick<ReportCheck, 'checkId' | 'kind'>) => `${c.checkId}-${c.kind}`;

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
