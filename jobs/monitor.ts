// `fangst monitor`: the status report's two monitoring tables (per journal system, per
// specialty) over the published data, with the distinct columns named and the additive ones
// reconciled between the tables. SQL in transforms/marts/monitor_by_*.sql, rendering in monitor/.
import { writeFile } from 'node:fs/promises';
import { makeFolder } from '../config/folders.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { computeMonitor, parseMonth, type MonitorBy, type MonitorFormat, type MonitorReport } from '../quality/reports/monitor/collect.ts';
import { renderReconciliation, renderTable, reportJson } from '../quality/reports/monitor/render.ts';
import { UsageError } from '../config/errors.ts';
import { EXIT } from './exit-codes.ts';
import { openForReading } from './open-database.ts';

export interface MonitorOptions {
  readonly config?: string;
  readonly db?: string;
  readonly from?: string;
  readonly to?: string;
  readonly by?: string;
  readonly format?: string;
  readonly out?: string;
  /** CSV in the Danish Excel style: `;`, decimal comma, BOM (as campaign's --danish-csv). */
  readonly danishCsv?: boolean;
}

const FORMATS: readonly MonitorFormat[] = ['table', 'csv', 'md', 'json'];
const EXT: Record<MonitorFormat, string> = { table: 'txt', csv: 'csv', md: 'md', json: 'json' };

/** Renders the chosen tables (all of them for JSON) with their notes and the reconciliation. */
export function renderMonitor(report: MonitorReport, by: readonly MonitorBy[], format: MonitorFormat, options: { danishCsv?: boolean } = {}): string {
  if (format === 'json') return reportJson(report, by);
  const parts: string[] = [];
  // no --from/--to: every month of the data (the table's own months say which)
  const { from, to } = report.period;
  const period = from && to ? `${from} - ${to}` : from ? `fra ${from}` : to ? `til ${to}` : 'alle måneder';
  for (const b of by) {
    const t = b === 'system' ? report.system : report.specialty;
    // one BOM, at the start of the text
    if (format === 'csv') parts.push(renderTable(t, 'csv', { danish: options.danishCsv }).replace(parts.length ? /^\uFEFF/ : /^$/, ''));
    else parts.push(`${format === 'md' ? '### ' : ''}Dataleverance per ${b === 'system' ? 'journalsystem' : 'speciale'}, ${period}\n\n${renderTable(t, format)}`);
  }
  if (format !== 'csv') {
    parts.push(`${format === 'md' ? '### ' : ''}Reconciliation of the additive columns\n\n${format === 'md' ? '```\n' : ''}${renderReconciliation(report)}${format === 'md' ? '```\n' : ''}`);
    parts.push(report.notes.map((n) => `${format === 'md' ? '- ' : '* '}${n}`).join('\n') + '\n');
  }
  return parts.join(format === 'csv' ? '\r\n' : '\n');
}

/** Prints (and with --out writes) the tables; a bad flag, configuration or database is thrown. */
export async function runMonitor(opts: MonitorOptions, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (opts.by !== undefined && opts.by !== 'system' && opts.by !== 'specialty') throw new UsageError('--by', opts.by, 'system or specialty');
  const by: MonitorBy[] = opts.by ? [opts.by as MonitorBy] : ['system', 'specialty'];
  // --danish-csv alone asks for CSV
  const format = (opts.format ?? (opts.danishCsv ? 'csv' : 'table')) as MonitorFormat;
  if (!FORMATS.includes(format)) throw new UsageError('--format', opts.format, `one of ${FORMATS.join(', ')}`);
  if (opts.danishCsv && format !== 'csv') throw new UsageError('--format', format, 'csv with --danish-csv');
  const from = opts.from ? parseMonth(opts.from, '--from') : null;
  const to = opts.to ? parseMonth(opts.to, '--to') : null;
  if (from && to && from > to) throw new UsageError('--to', opts.to, `a month not before --from ${opts.from}`);
  const dbPath = opts.db ?? (await loadConfig(opts.config)).database;
  const db = await openForReading(dbPath);
  let report: MonitorReport;
  try {
    report = await computeMonitor(await db.connect(), from, to);
  } finally {
    db.close();
  }
  if (opts.out) {
    await makeFolder(opts.out, '--out');
    for (const b of by) await writeFile(join(opts.out, `monitor_by_${b}.${EXT[format]}`), renderMonitor(report, [b], format, opts));
  }
  out(renderMonitor(report, by, format, opts));
  return EXIT.ok;
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('monitor')
    .description('the monitoring tables of the status report (per journal system and per specialty) over the published data')
    .option('--config <file>', 'pipeline configuration (for the default database)')
    .option('--db <file>', 'DuckDB database (default: from the configuration)')
    .option('--from <YYYY-MM>', 'first month of the period (default: no limit)')
    .option('--to <YYYY-MM>', 'last month of the period (default: no limit)')
    .option('--by <system|specialty>', 'one table only (default: both)')
    .option('--format <table|csv|md|json>', 'output format (default: table; csv with --danish-csv)')
    .option('--out <dir>', 'also write monitor_by_<table>.<ext> here')
    .option('--danish-csv', 'CSV for Danish Excel: ; separator, decimal comma, BOM (with --format csv)')
    .action(async (o: MonitorOptions) => exit(await runMonitor(o)));
}
