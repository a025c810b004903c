// Writes the quality report of a run: quality-report.html, .json and .md in `outDir`
// (shareable variants get a -shareable suffix). Each file is written under a
// temporary name and renamed, so a reader never sees half a report.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { maskIdentifiersDeep } from '../../../transforms/privacy/identifiers.ts';
import { queryReport, shapeReport, type QualityReportData } from './collect.ts';
import { renderQualityHtml } from './render-html.ts';
import { renderQualityMarkdown } from './render-markdown.ts';

export interface WrittenReport {
  readonly html: string;
  readonly json: string;
  readonly markdown: string;
  readonly data: QualityReportData;
}

export async function writeQualityReport(
  conn: DuckDBConnection,
  opts: { outDir: string; runId?: string; shareable?: boolean },
): Promise<WrittenReport> {
  return writeReport(shapeReport(await queryReport(conn, opts.runId), opts.shareable ?? false), opts.outDir);
}

/**
 * A run's two reports, the operators' and the shareable one, from one set of queries: the
 * shareable one is a reshaping of the same figures. Returns the operators' report.
 */
export async function writeQualityReports(conn: DuckDBConnection, opts: { outDir: string; runId?: string }): Promise<WrittenReport> {
  const rows = await queryReport(conn, opts.runId);
  const written = await writeReport(shapeReport(rows, false), opts.outDir);
  await writeReport(shapeReport(rows, true), opts.outDir);
  return written;
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
