// The analyst report of `fangst lab-quality`: one self-contained HTML file. First the overview
// (how much is usable, by analysis, journal system and clinic; which checks found what; which
// clinics' distributions are off), then one panel per analysis with its units, shares of
// censored and qualitative values and the distribution of its values per clinic as a chart.
// Counts only: no patient identifier; counts of 1-4 and the counts that would give one back are
// hidden (protect.ts), and a share or a bar only where its counts are shown.
import { barChart, palette, renderChart } from '../../report-kit/charts.ts';
import { chartFigure, escapeHtml, keyFigures, raw, renderPage, renderTable, section } from '../../report-kit/html.ts';
import { showEverything, type ProtectedTable } from '../../report-kit/protect-table.ts';
import { isSmallCount } from '../../report-kit/suppress.ts';
import { MAX_PANELS, type AnalysisPanel, type LabSummary, type Shift, type UsableGroup } from './collect.ts';
import { checksByShownRows, labCell, protectLabFigures, type GroupDimension, type LabFile } from './protect.ts';
import { CANCELLED_REASON } from './statuses.ts';
import { maskIdentifiers } from '../../../transforms/privacy/identifiers.ts';

export interface ReportContext {
  readonly files: readonly LabFile[];
  readonly ignored: readonly { file: string; reason: string }[];
  readonly generatedAt?: Date;
  readonly mappingFile: string | null;
  readonly registerGiven: boolean;
  /** Why the extract cannot be used as it stands; shown first. */
  readonly problems?: readonly string[];
  /** How the evaluation was framed (as-of date, shifted dates, time zone, no clinic); shown first. */
  readonly notes?: readonly string[];
  readonly noClinic?: boolean;
  /** What may be shown (protectLabFigures of the summary and these files), when the caller has it. */
  readonly table?: ProtectedTable;
  /**
   * The analyst's own report (--own-report): every count shown, 1-4 included, and the page says
   * first that it is not for sharing. `table` is then not used.
   */
  readonly own?: boolean;
}

/** What a hidden count is shown as: the same mark for a small count and for its complements. */
const HIDDEN = '–';

/**
 * Counts and shares of the protected cells (protect.ts): shown only where the table allows, and
 * counts outside it (`plain`) only from 5, unless every count is shown (`everyCount`: the own report).
 */
class Cells {
  constructor(readonly table: ProtectedTable, readonly everyCount = false) {}
  private small(n: number): boolean {
    return !this.everyCount && isSmallCount(n);
  }
  /** A count that is no cell of the table (local codes, converted units): hidden when 1-4. */
  plain(n: number): string {
    return this.small(n) ? HIDDEN : n.toLocaleString('en-US');
  }
  count(id: string, n: number): string {
    return this.table.isShown(id) ? this.plain(n) : HIDDEN;
  }
  share(numId: string, a: number, denId: string, b: number): string {
    if (!this.table.isShown(numId) || !this.table.isShown(denId)) return 'suppressed';
    if (b === 0) return '-';
    if (this.small(a) || this.small(b - a) || this.small(b)) return 'suppressed';
    return `${((100 * a) / b).toFixed(1)}%`;
  }
  /** The fewest numeric results of a clinic a box plot is drawn from: a box of 1-4 shows them. */
  get fewestInBox(): number {
    return this.everyCount ? 1 : 5;
  }
  /** a / b for a chart, or null (a gap) when either count is hidden. */
  part(numId: string, a: number, denId: string, b: number): number | null {
    return b > 0 && this.table.isShown(numId) && this.table.isShown(denId) ? a / b : null;
  }
}
const fmt = (x: number | null, digits = 3): string => (x === null || !Number.isFinite(x) ? '-' : String(Math.round(x * 10 ** digits) / 10 ** digits));

export function renderLabReport(summary: LabSummary, ctx: ReportContext): string {
  const cells = ctx.own ? new Cells(showEverything(), true) : new Cells(ctx.table ?? protectLabFigures(summary, ctx.files));
  // a delimited file's cancelled records (statuses.ts) beside, or without, FHIR's set-apart resources
  const cancelled = summary.setApart.some((c) => c.reason.startsWith(CANCELLED_REASON));
  const cancelledOnly = summary.setApart.every((c) => c.reason.startsWith(CANCELLED_REASON));
  const body = [
    lead(ctx),
    overview(summary, ctx.registerGiven, cells),
    section('Usable share by analysis', usableChart(summary.byAnalysis, 'analysis', cells) + usableTable(summary.byAnalysis, 'analysis', cells), { id: 'by-analysis' }),
    section('Usable share by journal system', usableChart(summary.bySystem, 'system', cells) + usableTable(summary.bySystem, 'system', cells), { id: 'by-system' }),
    section('Usable share by clinic', ctx.noClinic ? NO_CLINIC : clinicTable(summary.byClinic, cells), {
      id: 'by-clinic', intro: 'The clinics with the lowest usable share first (at most 40). Clinics are named by SOR code.',
    }),
    section('Findings by check', checksTable(summary, cells), {
      id: 'checks', intro: 'Rows each check flagged. Error findings make a row unusable; warnings are worth a look. Every flagged row with its reasons is in flagged-rows.csv / .parquet / .json.',
    }),
    section('Clinics whose values are shifted', ctx.noClinic ? NO_CLINIC : shiftsTable(summary.shifts, cells), {
      id: 'shifts', intro: 'Per analysis, each clinic\'s median against the other clinics\' (robust: median and MAD). When reading the clinic\'s numbers in another unit of the analysis brings them in line, that unit is the likely cause.',
    }),
    section('Completeness per field', completenessTable(summary, cells, ctx.noClinic ?? false), { id: 'completeness' }),
    summary.outsideReference.length ? section('Outside the delivered reference interval', outsideTable(summary, cells), {
      id: 'outside-reference',
      intro: 'Per analysis, numeric results against the reference interval delivered with each of them (censored values left out), and how many of those outside carry an abnormal flag that says so (high or abnormal above the interval, low or abnormal below it).',
    }) : '',
    summary.codeProfiles.length ? section('Units and distributions per analysis', profilesTable(summary, cells), {
      id: 'code-profiles',
      intro: 'Every code, with or without a catalogue entry (local, NPU, LOINC): the units it comes in and their shares, and a robust picture of its numeric values (median, MAD, 5th-95th percentiles) in each. Beside an analysis\' main unit, what the medians show: values that follow their labels (convertible by the known factor), values alike under labels a known factor apart (a wrong label), or no known factor. Outliers: robust z-score beyond 5, among 20 numeric values or more; where half of them or more are one value the MAD is 0 and they are not judged.',
    }) : '',
    summary.localCodes.length ? section('Local analysis codes', localCodesTable(summary, cells), { id: 'local-codes', intro: 'Codes that are not NPU/DNK codes are allowed and reported here.' }) : '',
    truncation(summary.panels.length, summary.analysisCount, 'analyses have a panel below (the largest)',
      'every analysis is in "Usable share by analysis" above and in summary.json (byAnalysis)'),
    ...summary.panels.map((p) => panel(p, ctx.noClinic ?? false, cells)),
    summary.setApart.length ? section(cancelledOnly ? 'Cancelled results set apart' : 'FHIR resources set apart', setApartTable(summary, cells, cancelledOnly ? 'Results' : 'Resources'), {
      id: 'set-apart', intro: [
        ...(cancelledOnly ? [] : ['Observations that are no lab result, so not counted above: another category than laboratory (vital signs, surveys, ...), withdrawn (status entered-in-error), cancelled, a panel that only groups its members (hasMember; the members are counted), or an older version of an Observation the file, or another FHIR file of the extract, holds in a newer one; and resources of other types than Observation (a bulk export\'s Patients), by type.']),
        ...(cancelled ? ['Results whose status or value says they were cancelled (not performed or not completed: "Annulleret", "Aflyst", cancelled, or a spelling the mapping declares under statuses.cancelled) are no lab result either: set apart, not counted above.'] : []),
      ].join(' '),
    }) : '',
    section('Files', filesTable(ctx, cells), { id: 'files' }),
  ].join('\n');
  return renderPage({
    title: 'Lab extract evaluation',
    subtitle: `${summary.rowsRead.toLocaleString('en-US')} lab results in ${ctx.files.filter((f) => f.role !== 'register').length} files${ctx.mappingFile ? `, foreign layout mapped by ${ctx.mappingFile}` : ''}`,
    body,
    generatedAt: ctx.generatedAt,
    footer: ctx.own
      ? 'Own report: every count is shown, counts of 1-4 included. Not for sharing: report.html is the shareable one. The report holds no patient identifiers.'
      : `Counts of 1-4, and the counts from which one could be recomputed, are shown as "${HIDDEN}"; shares and bars that would reveal them are left out. The report holds no patient identifiers.`,
  });
}

function overview(s: LabSummary, registerGiven: boolean, cells: Cells): string {
  const note = registerGiven ? '' : '<p class="note">No clinic register was given: clinics are named by the SOR code (or ydernummer) as delivered and not checked against the register.</p>';
  return section('Overview', note + keyFigures([
    { label: 'Lab results read', value: cells.count(labCell.total('rows'), s.rowsRead) },
    ...(['usable', 'unusable', 'pending', 'rejected'] as const).map((m) => {
      const label = { usable: 'Usable', unusable: 'Unusable (error findings)', pending: 'Not yet answered', rejected: 'Rejected while reading' }[m];
      const n = cells.count(labCell.total(m), s[m]);
      const p = cells.share(labCell.total(m), s[m], labCell.total('rows'), s.rowsRead);
      return m === 'usable' ? { label, value: p, sub: `${n} results` } : { label, value: n, sub: p };
    }),
    { label: 'Censored values', value: cells.share(labCell.total('censored'), s.censoredRows, labCell.total('rows'), s.rowsRead), sub: `${cells.count(labCell.total('censored'), s.censoredRows)} results` },
    { label: 'Qualitative values', value: cells.share(labCell.total('qualitative'), s.qualitativeRows, labCell.total('rows'), s.rowsRead), sub: `${cells.count(labCell.total('qualitative'), s.qualitativeRows)} results` },
    { label: 'Units converted', value: cells.plain(s.convertedUnitRows), sub: 'to the canonical unit; originals kept' },
    { label: 'Local codes', value: cells.plain(s.localCodeRows) },
  ]), { id: 'overview', intro: 'Usable: parsed into a number, a censored value or a qualitative answer, with no error finding.' });
}

/** The answer before the figures: what makes the extract unusable, and how it was judged. */
function lead(ctx: ReportContext): string {
  const problems = ctx.problems ?? [];
  const notes = [
    ...(ctx.own ? ['NOT FOR SHARING: this is the analyst\'s own report (--own-report), with every count shown, counts of 1-4 included; report.html beside it is the shareable one.'] : []),
    ...(ctx.notes ?? []),
  ];
  if (!problems.length && !notes.length) return '';
  const p = problems.length ? `<p class="bad"><strong>Not usable as it stands:</strong><br>${problems.map(escapeHtml).join('<br>')}</p>` : '';
  const n = notes.length ? `<p class="note">${notes.map(escapeHtml).join('<br>')}</p>` : '';
  return section('Verdict and frame', p + n, { id: 'lead' });
}

/** "40 of 498 analyses shown; all in summary.json": every cut says what it left out. */
const NO_CLINIC = '<p class="note">Not applicable: the extract names no clinic.</p>';

function truncation(shown: number, total: number, what: string, where: string): string {
  return total > shown ? `<p class="note">${escapeHtml(`${shown} of ${total} ${what}; ${where}.`)}</p>` : '';
}

function usableChart(groups: readonly UsableGroup[], what: GroupDimension, cells: Cells): string {
  const shown = groups.slice(0, 40);
  if (shown.length === 0) return '';
  const cut = truncation(shown.length, groups.length, `${what === 'analysis' ? 'analyses' : `${what}s`} drawn`, 'all are in the table below and in summary.json');
  // A segment is drawn only where its count and the group's results are shown: a bar's width is
  // its share, and the share times the results would give a hidden count back. The axis ends at
  // 100% whatever is drawn, so its end tells nothing either.
  const part = (m: 'usable' | 'unusable' | 'pending' | 'rejected') =>
    shown.map((g) => cells.part(labCell.group(what, g.key, m), g[m], labCell.group(what, g.key, 'rows'), g.rows));
  return chartFigure(barChart({
    categories: shown.map((g) => g.label.length > 28 ? `${g.label.slice(0, 27)}…` : g.label),
    series: [
      { name: 'usable', values: part('usable') },
      { name: 'unusable', values: part('unusable') },
      { name: 'not yet answered', values: part('pending') },
      { name: 'rejected', values: part('rejected') },
    ],
    stacked: true, horizontal: true, percent: true, max: 1, width: 900, height: Math.max(160, 60 + 22 * shown.length),
  }), `Share of results per ${what}: usable, unusable, not yet answered, rejected (a hidden count leaves a gap)`) + cut;
}

const DIMENSION_LABEL: Record<GroupDimension, string> = { analysis: 'Analysis', system: 'Journal system', clinic: 'Clinic' };

function usableTable(groups: readonly UsableGroup[], dim: GroupDimension, cells: Cells): string {
  const c = (g: UsableGroup, m: 'rows' | 'usable' | 'unusable' | 'pending' | 'rejected') => cells.count(labCell.group(dim, g.key, m), g[m]);
  return renderTable<UsableGroup>([
    { label: DIMENSION_LABEL[dim], value: (g) => (g.label === g.key ? g.key : analysisHeading(g.label, g.key)) },
    { label: 'Results', value: (g) => c(g, 'rows'), numeric: true },
    { label: 'Usable', value: (g) => c(g, 'usable'), numeric: true },
    { label: 'Usable share', value: (g) => cells.share(labCell.group(dim, g.key, 'usable'), g.usable, labCell.group(dim, g.key, 'rows'), g.rows), numeric: true },
    { label: 'Unusable', value: (g) => c(g, 'unusable'), numeric: true },
    { label: 'Not yet answered', value: (g) => c(g, 'pending'), numeric: true },
    { label: 'Rejected', value: (g) => c(g, 'rejected'), numeric: true },
  ], groups);
}

function clinicTable(groups: readonly UsableGroup[], cells: Cells): string {
  // The order is by the usable share: among clinics whose share is hidden it must not tell it,
  // so those follow the others, by name.
  const known = (g: UsableGroup) => cells.part(labCell.group('clinic', g.key, 'usable'), g.usable, labCell.group('clinic', g.key, 'rows'), g.rows);
  const worst = [...groups].sort((a, b) => {
    const ka = known(a);
    const kb = known(b);
    if (ka === null || kb === null) return ka === null && kb === null ? a.key.localeCompare(b.key) : ka === null ? 1 : -1;
    return ka - kb || a.key.localeCompare(b.key);
  }).slice(0, 40);
  return usableTable(worst, 'clinic', cells) + truncation(worst.length, groups.length, 'clinics shown', 'all in summary.json (byClinic)');
}

function checksTable(s: LabSummary, cells: Cells): string {
  const rows = checksByShownRows(s.checks, cells.table).filter((c) => c.rows > 0 || c.checkId.startsWith('lab.'));
  return renderTable([
    { label: 'Check', value: (c: (typeof rows)[number]) => c.checkId },
    { label: 'Category', value: (c) => c.category },
    { label: 'Severity', value: (c) => raw(`<span class="${c.severity === 'error' && c.rows > 0 ? 'bad' : ''}">${escapeHtml(c.severity)}</span>`) },
    { label: 'Rows', value: (c) => cells.count(labCell.check(c.checkId), c.rows), numeric: true },
    { label: 'Share', value: (c) => cells.share(labCell.check(c.checkId), c.rows, labCell.total('rows'), s.rowsRead), numeric: true },
    { label: 'Reason', value: (c) => c.reason },
  ], rows, { rowClass: (c) => (c.rows === 0 ? 'muted' : undefined) });
}

function cause(s: Shift): string {
  if (!s.likelyUnit) return 'no known conversion matches';
  const f = `factor ${fmt(s.factor, 4)}${s.offset ? `, offset ${fmt(s.offset)}` : ''}`;
  if (s.restCount < 30) return `every result is plausible only as ${s.likelyUnit} (${f})`;
  return s.direction === 'as' ? `values look like ${s.likelyUnit} reported in the canonical unit (${f})` : `values converted from ${s.likelyUnit} although already canonical (${f})`;
}

function shiftsTable(shifts: readonly Shift[], cells: Cells): string {
  return renderTable<Shift>([
    { label: 'Analysis', value: (s) => s.analysis },
    { label: 'Clinic', value: (s) => s.clinic },
    { label: 'Journal system', value: (s) => s.system ?? '' },
    { label: 'Results', value: (s) => cells.count(labCell.clinicResults(s.analysis, s.clinic), s.n), numeric: true },
    { label: 'Median', value: (s) => fmt(s.median), numeric: true },
    { label: 'Median elsewhere', value: (s) => (s.restCount >= 30 ? fmt(s.restMedian) : 'too few'), numeric: true },
    { label: 'Robust SDs off', value: (s) => (s.restCount >= 30 ? fmt(s.shiftSd, 1) : '-'), numeric: true },
    { label: 'Ratio', value: (s) => (s.restCount >= 30 ? fmt(s.ratio) : '-'), numeric: true },
    { label: 'Likely cause', value: (s) => cause(s) },
  ], shifts, { empty: 'No clinic\'s distribution is shifted against the rest.' });
}

function completenessTable(s: LabSummary, cells: Cells, noClinic: boolean): string {
  const systems = [...new Set(s.completeness.map((c) => c.system))].sort((a, b) => (a === '(all)' ? -1 : b === '(all)' ? 1 : a.localeCompare(b)));
  const fields = [...new Set(s.completeness.map((c) => c.field))];
  const cell = new Map(s.completeness.map((c) => [`${c.field}\u0000${c.system}`, c]));
  return renderTable(
    [
      { label: 'Field', value: (f: string) => f },
      ...systems.map((sys) => ({
        label: sys === '(all)' ? 'All' : sys, numeric: true,
        value: (f: string) => {
          const c = cell.get(`${f}\u0000${sys}`);
          // the mapping says the extract names no clinic: an empty clinic is no gap in it
          if (f === 'sor_code' && noClinic) return 'not applicable';
          return c ? cells.share(labCell.present(c.field, c.system), c.present, labCell.systemRows(c.system), c.rows) : '-';
        },
      })),
    ],
    fields,
    { caption: 'Share of results with the field filled in' },
  );
}

function localCodesTable(s: LabSummary, cells: Cells): string {
  return renderTable([
    { label: 'Code', value: (c: LabSummary['localCodes'][number]) => c.code },
    { label: 'Name', value: (c) => c.name ?? '' },
    { label: 'Results', value: (c) => cells.plain(c.rows), numeric: true },
  ], s.localCodes.slice(0, 50)) + truncation(Math.min(50, s.localCodes.length), s.localCodes.length, 'local codes shown (the largest)', 'all in summary.json (localCodes)');
}

/**
 * An analysis (or a group) as a heading, name (code): each is masked already, but a date in one
 * beside four digits in the other would read as a CPR number (150385 (1037)), so it is masked whole.
 */
function analysisHeading(name: string, code: string): string {
  return maskIdentifiers(`${name} (${code})`);
}

function outsideTable(s: LabSummary, cells: Cells): string {
  const shown = s.outsideReference.slice(0, 40);
  type Row = LabSummary['outsideReference'][number];
  const outside = (r: Row) => r.below + r.above;
  return renderTable([
    { label: 'Analysis', value: (r: Row) => (r.name === r.analysis ? r.analysis : analysisHeading(r.name, r.analysis)) },
    { label: 'With an interval', value: (r) => cells.count(labCell.outside(r.analysis, 'withInterval'), r.withInterval), numeric: true },
    { label: 'Below', value: (r) => cells.count(labCell.outside(r.analysis, 'below'), r.below), numeric: true },
    { label: 'Above', value: (r) => cells.count(labCell.outside(r.analysis, 'above'), r.above), numeric: true },
    { label: 'Outside', value: (r) => cells.share(labCell.outside(r.analysis, 'outside'), outside(r), labCell.outside(r.analysis, 'withInterval'), r.withInterval), numeric: true },
    { label: 'Outside and flagged', value: (r) => cells.share(labCell.outside(r.analysis, 'flagged'), r.outsideFlagged, labCell.outside(r.analysis, 'outside'), outside(r)), numeric: true },
  ], shown) + truncation(shown.length, s.outsideReference.length, 'analyses shown (most results outside first)', 'all in summary.json (outsideReference)');
}

const VERDICTS: Record<string, string> = {
  as_labelled: 'values follow the label: convertible',
  mislabelled: 'values alike although the units differ: a label is wrong',
  alike: 'values alike',
  unexplained: 'no known factor explains the medians',
  too_few: 'too few to compare',
};

function profilesTable(s: LabSummary, cells: Cells): string {
  const shown = s.codeProfiles.slice(0, 60);
  type Row = LabSummary['codeProfiles'][number];
  const f = (x: number | null | undefined) => (x === undefined ? '' : fmt(x));
  const valued = new Map<string, number>();
  for (const r of s.codeProfiles) valued.set(r.analysis, (valued.get(r.analysis) ?? 0) + r.results);
  return renderTable([
    { label: 'Analysis', value: (r: Row) => r.analysis },
    { label: 'Unit', value: (r) => r.unit ?? '(none)' },
    { label: 'Results', value: (r) => cells.count(labCell.profile(r.analysis, r.unit, 'results'), r.results), numeric: true },
    { label: 'Share', value: (r) => (r.units > 1
      ? cells.share(labCell.profile(r.analysis, r.unit, 'results'), r.results, labCell.valued(r.analysis), valued.get(r.analysis)!) : ''), numeric: true },
    { label: 'Median', value: (r) => f(r.distribution?.median), numeric: true },
    { label: 'MAD', value: (r) => f(r.distribution?.mad), numeric: true },
    { label: 'P5-P95', value: (r) => (r.distribution ? `${f(r.distribution.p05)} - ${f(r.distribution.p95)}` : '') },
    { label: 'Against the main unit', value: (r) => (r.verdict ? `${VERDICTS[r.verdict] ?? r.verdict}${r.factor !== null ? ` (factor ${f(r.factor)} to ${r.mainUnit}, medians ${f(r.ratioToMain)})` : ''}` : r.units > 1 ? 'main unit' : '') },
    { label: 'Outliers', value: (r) => (r.outliersNotJudged === 'mad_zero' ? 'not judged: MAD 0'
      : r.outliers ? cells.count(labCell.profile(r.analysis, r.unit, 'outliers'), r.outliers) : ''), numeric: true },
  ], shown) + truncation(shown.length, s.codeProfiles.length, 'analysis-unit pairs shown (mixed units first)', 'all in summary.json (codeProfiles)');
}

function setApartTable(s: LabSummary, cells: Cells, counted: string): string {
  const shown = s.setApart.slice(0, 50);
  return renderTable([
    { label: 'Why', value: (c: LabSummary['setApart'][number]) => c.reason },
    { label: 'Category', value: (c) => c.category ?? '' },
    { label: 'Code', value: (c) => c.code ?? '' },
    { label: 'Name', value: (c) => c.name ?? '' },
    { label: counted, value: (c) => cells.count(labCell.setApart(s.setApart.indexOf(c)), c.rows), numeric: true },
  ], shown) + truncation(shown.length, s.setApart.length, 'codes shown', 'all in summary.json (setApart)');
}

/** A box plot of the values per clinic (whiskers at the 5th and 95th percentiles). */
function clinicBoxplot(p: AnalysisPanel, noClinic: boolean, fewest: number): string {
  if (noClinic) return '<p class="note">Values per clinic: not applicable, the extract names no clinic.</p>';
  const clinics = p.clinics.filter((c) => c.n >= fewest);
  if (clinics.length === 0) return `<p class="note">No clinic has ${fewest === 1 ? 'a' : `${fewest} or more`} numeric result${fewest === 1 ? '' : 's'} of this analysis.</p>`;
  const shifted = new Set(p.shifts.map((s) => s.clinic));
  const labels = clinics.map((c) => `${shifted.has(c.clinic) ? '⚠ ' : ''}${c.clinic}`);
  const option = {
    title: { text: `${p.name}: values per clinic${p.canonicalUnit ? ` (${p.canonicalUnit})` : ''}`, left: 'left', textStyle: { fontSize: 14 } },
    grid: { left: 160, right: 24, top: 36, bottom: 36 },
    xAxis: { type: 'value', scale: true, name: p.canonicalUnit ?? '', nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { fontSize: 11 } },
    series: [{
      type: 'boxplot',
      data: clinics.map((c, i) => ({
        value: [...c.box],
        itemStyle: { color: shifted.has(c.clinic) ? '#f6d3cf' : '#dce8f5', borderColor: shifted.has(c.clinic) ? palette[3] : palette[0] },
        name: labels[i],
      })),
    }],
  };
  const svg = renderChart(option, { width: 900, height: Math.max(160, 70 + 22 * clinics.length) }, 'boxplot', `${p.name} per clinic`);
  return chartFigure(svg, 'Box: quartiles and median; whiskers: 5th and 95th percentile. Clinics with fewer than 5 numeric results are left out; ⚠ marks a shifted clinic.')
    + truncation(p.clinics.length, p.clinicCount, 'clinics with numeric results drawn (shifted ones first, then the largest)', 'the rest are in lab.results of lab-quality.duckdb (written with --keep-database)');
}

function qualitativeChart(p: AnalysisPanel, cells: Cells): string {
  if (p.qualitativeValues.length === 0) return '';
  return chartFigure(barChart({
    categories: p.qualitativeValues.map((q) => q.value),
    series: [{ name: 'results', values: p.qualitativeValues.map((q, i) => (cells.table.isShown(labCell.answer(p.analysis, i)) ? q.rows : null)) }],
    width: 520, height: 220,
  }), `${p.name}: qualitative answers (hidden counts left out)`);
}

function panel(p: AnalysisPanel, noClinic: boolean, cells: Cells): string {
  const id = (m: string) => labCell.panel(p.analysis, m);
  const figures = keyFigures([
    { label: 'Results', value: cells.count(id('rows'), p.rows) },
    { label: 'Usable', value: cells.share(labCell.group('analysis', p.analysis, 'usable'), p.usable, id('rows'), p.rows) },
    { label: 'Censored', value: cells.share(id('censored'), p.censored, id('rows'), p.rows), sub: `${cells.count(id('censored'), p.censored)} results` },
    { label: 'Qualitative', value: cells.share(id('qualitative'), p.qualitative, id('rows'), p.rows), sub: `${cells.count(id('qualitative'), p.qualitative)} results` },
    { label: 'Not yet answered', value: cells.count(id('pending'), p.pending) },
    { label: 'Code', value: p.codeStatus },
  ]);
  const units = renderTable([
    { label: 'Unit as delivered', value: (u: AnalysisPanel['units'][number]) => u.unit },
    { label: 'Reading', value: (u) => u.status.replaceAll('_', ' ') },
    { label: 'Results', value: (u) => cells.count(labCell.unit(p.analysis, p.units.indexOf(u)), u.rows), numeric: true },
  ], p.units, { caption: `Units (canonical: ${p.canonicalUnit || 'none'})` });
  const checks = renderTable([
    { label: 'Check', value: (c: AnalysisPanel['checks'][number]) => c.checkId },
    { label: 'Rows', value: (c) => cells.count(labCell.panelCheck(p.analysis, c.checkId), c.rows), numeric: true },
  ], p.checks, { caption: 'Findings', empty: 'No findings for this analysis.' });
  const shifts = p.shifts.length ? `<p class="bad">${p.shifts.map((s) => escapeHtml(`Clinic ${s.clinic}: ${cause(s)}.`)).join('<br>')}</p>` : '';
  const chart = p.numeric > 0 ? clinicBoxplot(p, noClinic, cells.fewestInBox) : qualitativeChart(p, cells);
  return section(analysisHeading(p.name, p.analysis), `${figures}${shifts}${chart}<div class="figures">${units}${checks}</div>`, { id: `analysis-${p.analysis}` });
}

function filesTable(ctx: ReportContext, cells: Cells): string {
  const read = renderTable([
    { label: 'File', value: (f: ReportContext['files'][number]) => f.file },
    { label: 'Read as', value: (f) => (f.role === 'delivery' ? f.system ?? '' : f.role === 'fhir' ? 'FHIR Observation' : 'clinic register') },
    { label: 'Records', value: (f) => (f.role === 'register' ? f.read.toLocaleString('en-US') : cells.count(labCell.file(ctx.files.indexOf(f), 'read'), f.read)), numeric: true },
    { label: 'Rejected', value: (f) => (f.role === 'register' ? f.rejected.toLocaleString('en-US') : cells.count(labCell.file(ctx.files.indexOf(f), 'rejected'), f.rejected)), numeric: true },
    // FHIR Observations that are no lab result (another category, withdrawn, ...): not among the records
    ...(ctx.files.some((f) => f.setApart !== undefined) ? [{
      label: 'Set apart', value: (f: LabFile) => (f.setApart === undefined ? '' : cells.count(labCell.file(ctx.files.indexOf(f), 'setApart'), f.setApart)), numeric: true,
    }] : []),
    { label: 'Error', value: (f) => f.error ?? '' },
  ], ctx.files, { caption: 'Files read' });
  const ignored = ctx.ignored.length
    ? `<p class="note">${ctx.ignored.length} files were not read: ${escapeHtml(ctx.ignored.slice(0, 20).map((i) => `${i.file} (${i.reason})`).join(', '))}${ctx.ignored.length > 20 ? ', ...' : ''}</p>`
    : '';
  return read + ignored;
}
