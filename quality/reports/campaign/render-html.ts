// The campaign report as one self-contained HTML page, rendered from the document only.
import type { CampaignDocument, ClinicPick, Series, Share } from './document.ts';
import { barChart, lineChart, sparkline } from '../../report-kit/charts.ts';
import {
  chartFigure, escapeHtml, formatCount, formatPercent, formatPoints, keyFigures, raw, renderPage, renderTable, section,
  type Column,
} from '../../report-kit/html.ts';

const pct = (v: number | null | undefined) => formatPercent(v);
const interval = (s: Share) => (s.a_share_low === null || s.a_share_high === null ? '–' : `${formatPercent(s.a_share_low)} – ${formatPercent(s.a_share_high)}`);
const contactInterval = (s: Share) =>
  s.contact_a_share_low === null || s.contact_a_share_high === null ? '–' : `${formatPercent(s.contact_a_share_low)} – ${formatPercent(s.contact_a_share_high)}`;

function monthlyValues(series: Series, months: readonly string[], pick: (s: Share) => number | null): (number | null)[] {
  const byMonth = new Map(series.months.map((m) => [m.month, pick(m)]));
  return months.map((m) => byMonth.get(m) ?? null);
}

/** Months where the group had fewer diagnoses than the minimum (or none): drawn faded. */
function fadedMonths(series: Series, months: readonly string[]): boolean[] {
  const byMonth = new Map(series.months.map((m) => [m.month, m.few_diagnoses]));
  return months.map((m) => byMonth.get(m) ?? true);
}

function trendCell(values: readonly (number | null)[], target: number) {
  return raw(sparkline(values, { reference: target, label: 'monthly A-share' }));
}

/** Number of charts the page carries, by kind: the browser test checks the page against it. */
export function expectedCharts(doc: CampaignDocument): Record<string, number> {
  const markingSystems = doc.journal_systems.filter((s) => !s.cannot_mark).length;
  const sparklines = doc.specialties.length + doc.focus.below_target.length + doc.focus.improved.length + doc.focus.fell_back.length;
  const counts: Record<string, number> = { line: 1 + (markingSystems > 0 ? 1 : 0) };
  if (doc.national.shift_share.length > 0) counts.bar = 1;
  if (sparklines > 0) counts.sparkline = sparklines;
  return counts;
}

function targetSub(trend: CampaignDocument['national']['trend']): string {
  if (trend?.suppressed) return 'trend not shown (a month\'s count is suppressed)';
  if (trend?.reached_month) return `reached ${trend.reached_month}`;
  if (!trend?.projected_month) return 'not reached at the trend';
  const range = trend.projected_month_low && trend.projected_month_high ? ` (95%: ${trend.projected_month_low} to ${trend.projected_month_high})` : ' (no 95% bound)';
  return `trend reaches it ${trend.projected_month}${range}`;
}

export function renderCampaignHtml(doc: CampaignDocument): string {
  const months = doc.period.months;
  const target = doc.target;
  const nat = doc.national;
  const last = nat.months.at(-1);
  const whole = nat.whole_period;
  const targetLabel = `target ${formatPercent(target, 0)}`;

  const figures = keyFigures([
    { label: 'A-share, whole period', value: pct(whole.a_share), sub: `${formatCount(whole.a_diagnoses)} of ${formatCount(whole.diagnoses)} diagnoses` },
    { label: `A-share, ${last?.month ?? '–'}`, value: pct(last?.a_share), sub: `95% CI ${last ? interval(last) : '–'}` },
    {
      label: `Change since start (${doc.campaign_start})`,
      value: formatPoints(nat.change_since_start?.change),
      sub: `${pct(nat.change_since_start?.from_a_share)} → ${pct(nat.change_since_start?.to_a_share)}`,
    },
    { label: 'Without systems that cannot mark', value: pct(nat.without_non_marking.whole_period.a_share), sub: `last month ${pct(nat.without_non_marking.months.at(-1)?.a_share)}` },
    { label: 'Marked (A or B), whole period', value: pct(whole.marked_share), sub: `last month ${pct(last?.marked_share)}` },
    { label: 'Contacts with exactly one A, whole period', value: pct(whole.contact_a_share), sub: `last month ${pct(last?.contact_a_share)}` },
    { label: 'Target', value: formatPercent(target, 0), sub: targetSub(nat.trend) },
  ]);

  const nationalChart = lineChart({
    title: 'Monthly A-share, national',
    categories: months,
    series: [
      {
        name: 'A-share (95% CI)',
        values: monthlyValues(nat, months, (s) => s.a_share),
        band: { low: monthlyValues(nat, months, (s) => s.a_share_low), high: monthlyValues(nat, months, (s) => s.a_share_high) },
      },
      { name: 'A-share, systems that mark', values: monthlyValues(nat.without_non_marking, months, (s) => s.a_share) },
      { name: 'Marked share (A or B)', values: monthlyValues(nat, months, (s) => s.marked_share), dashed: true },
      {
        name: 'Contacts with one A (95% CI)',
        values: monthlyValues(nat, months, (s) => s.contact_a_share),
        band: { low: monthlyValues(nat, months, (s) => s.contact_a_share_low), high: monthlyValues(nat, months, (s) => s.contact_a_share_high) },
      },
    ],
    percent: true,
    marks: [{ value: target, label: targetLabel }],
    height: 340,
  });
  const withoutByMonth = new Map(nat.without_non_marking.months.map((m) => [m.month, m]));
  const monthRows = renderTable(
    [
      { label: 'Month', value: (m: Share) => m.month },
      { label: 'Diagnoses', value: (m: Share) => formatCount(m.diagnoses), numeric: true },
      { label: 'A', value: (m: Share) => formatCount(m.a_diagnoses), numeric: true },
      { label: 'A-share', value: (m: Share) => pct(m.a_share), numeric: true },
      { label: '95% CI', value: (m: Share) => interval(m), numeric: true },
      { label: 'Marked share', value: (m: Share) => pct(m.marked_share), numeric: true },
      { label: 'A-share without non-marking systems', value: (m: Share) => pct(withoutByMonth.get(m.month)?.a_share), numeric: true },
      { label: 'Contacts', value: (m: Share) => formatCount(m.contacts), numeric: true },
      { label: 'Contacts with one A', value: (m: Share) => pct(m.contact_a_share), numeric: true },
      { label: '95% CI (contacts)', value: (m: Share) => contactInterval(m), numeric: true },
    ],
    nat.months,
  );
  const registered = nat.registered_systems.whole_period;
  const registeredNote =
    registered.diagnoses !== whole.diagnoses
      ? `<p class="note">Clinics with a journal system in the register (the status report's per-system total): A-share ${escapeHtml(pct(registered.a_share))} (${escapeHtml(formatCount(registered.a_diagnoses))} of ${escapeHtml(formatCount(registered.diagnoses))}); the national figures also count ${escapeHtml(formatCount(whole.diagnoses === null || registered.diagnoses === null ? null : whole.diagnoses - registered.diagnoses))} diagnoses from clinics registered without one.</p>`
      : '';
  const trendNote = [nat.trend?.verdict, nat.trend_without_non_marking ? `Without the systems that cannot mark: ${nat.trend_without_non_marking.verdict.charAt(0).toLowerCase()}${nat.trend_without_non_marking.verdict.slice(1)}` : '']
    .filter(Boolean)
    .map((t) => `<p>${escapeHtml(t)}</p>`)
    .join('');

  const shift = nat.shift_share;
  const shiftChart = shift.length
    ? chartFigure(
        barChart({
          title: 'Month-on-month change of the national A-share',
          categories: shift.map((m) => m.month),
          series: [
            { name: 'within groups (marking changed)', values: shift.map((m) => m.within) },
            { name: 'mix (who delivers changed)', values: shift.map((m) => m.mix) },
          ],
          stacked: true,
          points: true,
        }),
        'The two parts of each bar add up to the observed change.',
      )
    : '';
  const shiftTable = renderTable(
    [
      { label: 'Month', value: (m: (typeof shift)[number]) => `${m.previous_month} → ${m.month}` },
      { label: 'A-share', value: (m: (typeof shift)[number]) => `${pct(m.previous_a_share)} → ${pct(m.a_share)}` },
      { label: 'Observed change', value: (m: (typeof shift)[number]) => formatPoints(m.observed_change, 2), numeric: true },
      { label: 'Within groups', value: (m: (typeof shift)[number]) => formatPoints(m.within, 2), numeric: true },
      { label: 'Mix', value: (m: (typeof shift)[number]) => formatPoints(m.mix, 2), numeric: true },
      {
        label: 'Moved most by',
        value: (m: (typeof shift)[number]) =>
          m.top_groups.slice(0, 2).map((g) => `${g.journal_system} / ${g.specialty} (${formatPoints(g.within + g.mix, 2)})`).join('; '),
      },
    ],
    shift,
    { empty: doc.shareable ? 'Not in a shareable report: the decomposition sums journal system x specialty groups, which give a small group\'s counts back.' : 'Only one month in the period: nothing to decompose.' },
  );

  const marking = doc.journal_systems.filter((s) => !s.cannot_mark);
  const systemChart = marking.length
    ? chartFigure(
        lineChart({
          title: 'Monthly A-share by journal system',
          categories: months,
          series: marking.map((s) => ({
            name: s.journal_system,
            values: monthlyValues(s, months, (m) => m.a_share),
            band: { low: monthlyValues(s, months, (m) => m.a_share_low), high: monthlyValues(s, months, (m) => m.a_share_high) },
            faded: fadedMonths(s, months),
          })),
          percent: true,
          marks: [{ value: target, label: targetLabel }],
          height: 360,
        }),
        `Bands: Wilson 95% intervals. Faded: a month with fewer than ${doc.min_cell_diagnoses} diagnoses, drawn without its band.`,
      )
    : '';
  type SystemRow = CampaignDocument['journal_systems'][number];
  const systemColumns: Column<SystemRow>[] = [
    { label: 'Journal system', value: (s) => s.journal_system },
    { label: 'Diagnoses', value: (s) => formatCount(s.whole_period.diagnoses), numeric: true },
    { label: 'A-share', value: (s) => pct(s.whole_period.a_share), numeric: true },
    { label: '95% CI', value: (s) => interval(s.whole_period), numeric: true },
    { label: 'Marked share', value: (s) => pct(s.whole_period.marked_share), numeric: true },
    { label: 'Contacts with one A', value: (s) => pct(s.whole_period.contact_a_share), numeric: true },
    { label: '95% CI (contacts)', value: (s) => contactInterval(s.whole_period), numeric: true },
    { label: `A-share ${doc.campaign_start}`, value: (s) => pct(s.change_since_start?.from_a_share), numeric: true },
    { label: `A-share ${doc.period.to ?? ''}`, value: (s) => pct(s.change_since_start?.to_a_share), numeric: true },
    { label: 'Change', value: (s) => formatPoints(s.change_since_start?.change), numeric: true },
  ];
  const nonMarking = doc.journal_systems.filter((s) => s.cannot_mark);
  const nonMarkingHtml = nonMarking.length
    ? `<h3>Systems that cannot mark</h3><p class="note">No A and no B in the whole period: the campaign cannot move these until the system supports marking.</p>${renderTable(
        [
          { label: 'Journal system', value: (s: SystemRow) => s.journal_system },
          { label: 'Diagnoses', value: (s: SystemRow) => formatCount(s.whole_period.diagnoses), numeric: true },
          { label: 'Share of all diagnoses', value: (s: SystemRow) => pct(s.whole_period.diagnoses === null || whole.diagnoses === null ? null : s.whole_period.diagnoses / whole.diagnoses), numeric: true },
        ],
        nonMarking,
      )}`
    : '<p class="note">Every journal system delivered some marking in the period.</p>';

  type SpecialtyRow = CampaignDocument['specialties'][number];
  const specialtyTable = renderTable(
    [
      { label: 'Specialty', value: (s: SpecialtyRow) => (s.name ? `${s.specialty} ${s.name}` : s.specialty) },
      { label: 'Diagnoses', value: (s: SpecialtyRow) => formatCount(s.whole_period.diagnoses), numeric: true },
      { label: 'A-share', value: (s: SpecialtyRow) => pct(s.whole_period.a_share), numeric: true },
      { label: '95% CI', value: (s: SpecialtyRow) => interval(s.whole_period), numeric: true },
      { label: 'Marked share', value: (s: SpecialtyRow) => pct(s.whole_period.marked_share), numeric: true },
      { label: 'Contacts with one A', value: (s: SpecialtyRow) => pct(s.whole_period.contact_a_share), numeric: true },
      { label: 'Change since start', value: (s: SpecialtyRow) => formatPoints(s.change_since_start?.change), numeric: true },
      { label: 'Monthly A-share', value: (s: SpecialtyRow) => trendCell(monthlyValues(s, months, (m) => m.a_share), target) },
    ],
    doc.specialties,
    { rowClass: (s) => (s.whole_period.few_diagnoses ? 'muted' : undefined) },
  );

  const clinicColumns = (extra: Column<ClinicPick>[]): Column<ClinicPick>[] => [
    { label: 'Clinic', value: (c) => (c.name ? `${c.name} (${c.clinic})` : c.clinic) },
    { label: 'Journal system', value: (c) => c.journal_system ?? '–' },
    { label: 'Specialty', value: (c) => c.specialty ?? '–' },
    { label: 'Diagnoses', value: (c) => formatCount(c.diagnoses), numeric: true },
    ...extra,
    { label: 'Monthly A-share', value: (c) => trendCell(c.trend, target) },
  ];
  const belowTable = renderTable(
    clinicColumns([
      { label: 'A-share', value: (c) => pct(c.a_share), numeric: true },
      { label: 'A-diagnoses short of target', value: (c) => formatCount(c.a_short_of_target), numeric: true },
    ]),
    doc.focus.below_target,
    { empty: 'No clinic on a system that can mark is below the target.' },
  );
  const changeColumns = clinicColumns([
    { label: 'First 3 campaign months', value: (c) => pct(c.baseline_a_share), numeric: true },
    { label: 'Last 3 months', value: (c) => pct(c.recent_a_share), numeric: true },
    { label: 'Change', value: (c) => formatPoints(c.change), numeric: true },
  ]);

  const methods = Object.entries(doc.methods)
    .map(([k, v]) => `<tr><th>${escapeHtml(k.replaceAll('_', ' '))}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('');

  const body = [
    figures,
    section('National A-share by month', `${chartFigure(nationalChart)}${trendNote}${monthRows}${registeredNote}`, { id: 'national' }),
    section('Why it moved: marking versus mix', `${shiftChart}${shiftTable}`, {
      id: 'shift-share',
      intro: 'Each month-on-month change of the national A-share split into improvement within journal system x specialty groups and a shift in the mix of who delivers.',
    }),
    section('Journal systems', `${systemChart}${marking.some((m) => m.whole_period.few_diagnoses) ? `<p class="note">Greyed rows: fewer than ${doc.min_cell_diagnoses} diagnoses in the period.</p>` : ''}${renderTable(systemColumns, marking, { empty: 'No journal system marks.', rowClass: (s) => (s.whole_period.few_diagnoses ? 'muted' : undefined) })}${nonMarkingHtml}`, { id: 'systems' }),
    section('Specialties', specialtyTable, { id: 'specialties', intro: `Greyed rows: fewer than ${doc.min_cell_diagnoses} diagnoses in the period, too few to read the share (see the interval).` }),
    section('Clinics below target with the most diagnoses', belowTable, { id: 'below-target', intro: doc.methods.below_target }),
    section('Clinics that improved most', renderTable(changeColumns, doc.focus.improved, { empty: 'No clinic improved (or too few diagnoses to say).' }), { id: 'improved', intro: doc.methods.clinic_change }),
    section('Clinics that fell back most', renderTable(changeColumns, doc.focus.fell_back, { empty: 'No clinic fell back (or too few diagnoses to say).' }), { id: 'fell-back' }),
    section('How the figures are made', `<table>${methods}</table>`, { id: 'methods' }),
  ].join('\n');

  return renderPage({
    title: 'Aktionsdiagnose campaign',
    subtitle: `Diagnoses ${doc.period.from ?? '–'} to ${doc.period.to ?? '–'} · campaign start ${doc.campaign_start} · target ${formatPercent(target, 0)}${doc.shareable ? ' · shareable: clinics pseudonymised, counts 1-4 suppressed' : ''}`,
    body,
    generatedAt: new Date(doc.generated_at),
    footer: doc.shareable ? 'Shareable version: – marks a suppressed or undefined figure.' : '– marks an undefined figure.',
  });
}
