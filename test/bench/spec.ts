// The reference workload's input, described once for every implementation: the diagnosis and lab
// files of an inbox with each one's layout (config/sources/*.yaml), and the catalogue's hard limits.
import { loadConfig } from '../../config/load.ts';
import { discoverInbox } from '../../transforms/ingest/discover.ts';
import { loadCatalogue, defaultCataloguePath } from '../../transforms/reference/npu-catalogue.ts';

export interface SpecFile {
  readonly path: string;
  readonly file: string;
  readonly kind: 'diagnoser' | 'laboratoriesvar';
  readonly system: string;
  readonly format: 'csv' | 'tsv' | 'ndjson' | 'parquet';
  readonly encoding: 'utf-8' | 'latin-1';
  readonly delimiter: string;
  readonly decimal: '.' | ',';
  readonly dates: string;
  /** canonical column -> the file's column, only the columns the workload uses */
  readonly columns: Readonly<Record<string, string>>;
  /** upper-cased vendor spellings of an aktionsdiagnose */
  readonly a_spellings: readonly string[];
}

export interface ReferenceSpec {
  readonly files: readonly SpecFile[];
  readonly limits: readonly { code: string; low: number | null; high: number | null }[];
}

const USED = {
  diagnoser: ['kind', 'contact_date'],
  laboratoriesvar: ['record_id', 'patient', 'analysis_code', 'value', 'sampled_at'],
} as const;

export async function referenceSpec(inbox: string): Promise<ReferenceSpec> {
  const config = await loadConfig('config/pipeline.yaml', { inbox });
  const files: SpecFile[] = [];
  for (const e of await discoverInbox(config)) {
    if (e.role !== 'delivery') continue;
    const d = e.delivery;
    if (d.kind !== 'diagnoser' && d.kind !== 'laboratoriesvar') continue;
    const columns = Object.fromEntries(USED[d.kind].map((c) => [c, d.columns[c]!]));
    files.push({
      path: e.path, file: e.file, kind: d.kind, system: d.system, format: d.format, encoding: d.encoding,
      delimiter: d.delimiter, decimal: d.decimal, dates: d.dates, columns,
      a_spellings: (d.kinds?.A ?? []).map((s) => s.trim().toUpperCase()),
    });
  }
  const catalogue = await loadCatalogue(defaultCataloguePath);
  const limits = catalogue.analyses.filter((a) => a.hard).map((a) => ({ code: a.code, low: a.hard!.low, high: a.hard!.high }));
  return { files, limits };
}
