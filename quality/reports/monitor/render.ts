// The monitoring tables as text, CSV, Markdown or JSON.
import { toCsv, type CsvColumn } from '../../report-kit/csv.ts';
import { ADDITIVE, DISTINCT, MEASURES, type Measure, type MonitorBy, type MonitorFormat, type MonitorReport, type MonitorRow, type MonitorTable } from './collect.ts';

function cells(t: MonitorTable, r: MonitorRow): string[] {
  const keys = t.by === 'system' ? [r.key] : [r.key, r.name ?? ''];
  return [...keys, ...MEASURES.map((m) => String(r[m]))];
}

const headers = (t: MonitorTable) => [...t.keyColumns, ...MEASURES];

/** A table as CSV through the report kit's writer: counts as numbers, keys as text (a specialty code stays "08"). */
function tableCsv(t: MonitorTable, danish: boolean): string {
  const columns: CsvColumn<MonitorRow>[] = [
    { header: t.keyColumns[0]!, value: (r) => r.key },
    ...(t.by === 'system' ? [] : [{ header: t.keyColumns[1]!, value: (r: MonitorRow) => r.name ?? '' }]),
    ...MEASURES.map((m) => ({ header: m, value: (r: MonitorRow) => r[m] })),
  ];
  return toCsv(columns, [...t.rows, t.total], { danish });
}

/** One table in the requested format (JSON: the table object); `danish` for CSV in the Danish Excel style. */
export function renderTable(t: MonitorTable, format: Exclude<MonitorFormat, 'json'>, options: { danish?: boolean } = {}): string {
  const body = [...t.rows.map((r) => cells(t, r)), cells(t, t.total)];
  const head = headers(t);
  if (format === 'csv') return tableCsv(t, options.danish ?? false);
  if (format === 'md') {
    const numeric = head.map((_, i) => i >= t.keyColumns.length);
    const line = (row: string[]) => `| ${row.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
    const bold = cells(t, t.total).map((c) => (c ? `**${c}**` : c));
    return `${[line(head), `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`, ...t.rows.map((r) => line(cells(t, r))), line(bold)].join('\n')}\n`;
  }
  const all = [head, ...body];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => (i < t.keyColumns.length ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  const rule = width.map((w) => '-'.repeat(w)).join('  ');
  return `${[fmt(head), rule, ...t.rows.map((r) => fmt(cells(t, r))), rule, fmt(cells(t, t.total))].join('\n')}\n`;
}

/** The reconciliation of the additive columns, as text lines. */
export function renderReconciliation(report: MonitorReport): string {
  const rows = report.reconciliation.map((r) => [r.column, String(r.systemTotal), String(r.specialtyTotal), String(r.difference), String(r.unregisteredClinics), String(r.unexplained)]);
  const head = ['additive column', 'system table', 'specialty table', 'difference', 'clinics without system', 'unexplained'];
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return `${all.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ')).join('\n')}\n`;
}

/** The whole report as JSON: tables, which columns are distinct, reconciliation, notes. */
export function reportJson(report: MonitorReport, by: readonly MonitorBy[]): string {
  const table = (t: MonitorTable) => ({
    columns: headers(t),
    distinct_columns: DISTINCT,
    additive_columns: ADDITIVE,
    rows: t.rows.map((r) => Object.fromEntries(headers(t).map((h, i) => [h, i < t.keyColumns.length ? cells(t, r)[i] : r[h as Measure]]))),
    total: Object.fromEntries(headers(t).map((h, i) => [h, i < t.keyColumns.length ? cells(t, t.total)[i] : t.total[h as Measure]])),
    unregistered: t.unregistered,
    ...(t.by === 'specialty' ? { patients_sum_of_rows: t.patientsSumOfRows } : {}),
  });
  return `${JSON.stringify(
    {
      period: report.period,
      tables: Object.fromEntries(by.map((b) => [b, table(b === 'system' ? report.system : report.specialty)])),
      reconciliation: report.reconciliation.map((r) => ({
        column: r.column,
        system_total: r.systemTotal,
        specialty_total: r.specialtyTotal,
        difference: r.difference,
        clinics_without_system: r.unregisteredClinics,
        unexplained: r.unexplained,
      })),
      notes: report.notes,
    },
    null,
    2,
  )}\n`;
}
