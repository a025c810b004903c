// Writes the quality report of a run: quality-report.html, .json and .md in `outDir`
// (shareable variants get a -shareable suffix). Each file is written under a
// temporary name and renamed, so a reader never sees half a report.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { maskIdentifiersDeep } from '../../../transforms/privacy/identifiers.ts';
import { Pseudonymiser, loadPseudonymKey } from '../../report-kit/suppress.ts';
import { queryReport, shapeReport, type QualityReportData, type ReportAbout, type ReportRows } from './collect.ts';
import { renderQualityHtml } from './render-html.ts';
import { renderQualityMarkdown } from './render-markdown.ts';

export interface WrittenReport {
  readonly html: string;
  readonly json: string;
  readonly markdown: string;
  readonly data: QualityReportData;
}

export interface ReportOptions {
  readonly outDir: string;
  readonly runId?: string;
  /** Version, configuration hash, database and time zone, for the footer and the times. */
  readonly about?: Partial<ReportAbout>;
  /**
   * The key file for the clinic pseudonyms of a shareable report (campaign.pseudonym_key_file,
   * so both reports give a clinic the same pseudonym); FANGST_PSEUDONYM_KEY overrides it.
   */
  readonly pseudonymKeyFile?: string;
  /** Told when the key file is created: a new key changes every clinic's pseudonym. */
  readonly onNewKey?: (keyFile: string) => void;
}

export async function writeQualityReport(conn: DuckDBConnection, opts: ReportOptions & { shareable?: boolean }): Promise<WrittenReport> {
  const rows = await queryReport(conn, opts.runId, opts.about?.timeZone);
  const shareable = opts.shareable ?? false;
  return writeReport(shapeReport(rows, shareable, { about: opts.about, pseudonymiser: shareable ? await pseudonymiser(rows, opts) : undefined }), opts.outDir);
}

/**
 * A run's two reports, the operators' and the shareable one, from one set of queries: the
 * shareable one is a reshaping of the same figures. Returns the operators' report.
 */
export async function writeQualityReports(conn: DuckDBConnection, opts: ReportOptions): Promise<WrittenReport> {
  const rows = await queryReport(conn, opts.runId, opts.about?.timeZone);
  const written = await writeReport(shapeReport(rows, false, { about: opts.about }), opts.outDir);
  await writeReport(shapeReport(rows, true, { about: opts.about, pseudonymiser: await pseudonymiser(rows, opts) }), opts.outDir);
  return written;
}

/** The pseudonyms of a shareable report, when it names a clinic (the key file is made on first use). */
async function pseudonymiser(rows: ReportRows, opts: ReportOptions): Promise<Pseudonymiser | undefined> {
  const sor = /(?<!\d)\d{11,18}(?!\d)/;
  const names = rows.clinics.length > 0 || rows.reasons.some((r) => sor.test(r.reason)) || rows.samples.some((r) => sor.test(r.reason))
    || rows.alerts.some((a) => sor.test(a.scope) || sor.test(a.message));
  return names ? new Pseudonymiser(await loadPseudonymKey(opts.pseudonymKeyFile ?? join('var', 'pseudonym.key'), process.env, opts.onNewKey)) : undefined;
}

async function writeReport(shaped: QualityReportData, outDir: string): Promise<WrittenReport> {
  // Reasons and sample rows quote delivered values (a record id, a SOR code): no identifier in
  // any of the three files, whatever a check or a finding put in its text.
  const data = maskIdentifiersDeep(shaped);
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, `quality-report${data.shareable ? '-shareable' : ''}`);
  const out = { html: `${base}.html`, json: `${base}.json`, markdown: `${base}.md` };
  await put(out.html, renderQualityHtml(data));
  await put(out.json, `${JSON.stringify(data, null, 2)}\n`);
  await put(out.markdown, renderQualityMarkdown(data));
  return { ...out, data };
}

async function put(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, 'utf8');
  await rename(`${path}.tmp`, path);
}
