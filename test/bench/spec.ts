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

/** A lab file as the lab-quality scenario's DuckDB script reads it (lab/lab_duckdb.ts). */
export interface LabSpecFile {
  readonly path: string;
  readonly system: string;
  readonly format: 'csv' | 'tsv' | 'ndjson' | 'parquet';
  readonly encoding: 'utf-8' | 'latin-1';
  readonly delimiter: string;
  readonly decimal: '.' | ',';
  readonly timestamps: string;
  /** canonical column -> the file's column; value_num only where a number stands beside the value */
  readonly columns: Readonly<Record<string, string>>;
}

const LAB_CHECKED = ['patient', 'analysis_code', 'value', 'unit', 'ref_low', 'ref_high', 'abnormal_flag', 'sampled_at', 'resulted_at'] as const;

/** The lab files of an inbox with each one's layout (config/sources/*.yaml). */
export async function labSpec(inbox: string): Promise<{ files: LabSpecFile[] }> {
  const config = await loadConfig('config/pipeline.yaml', { inbox });
  const files: LabSpecFile[] = [];
  for (const e of await discoverInbox(config)) {
    if (e.role !== 'delivery' || e.delivery.kind !== 'laboratoriesvar') continue;
    const d = e.delivery;
    files.push({
      path: e.path, system: d.system, format: d.format, encoding: d.encoding, delimiter: d.delimiter, decimal: d.decimal,
      timestamps: d.timestamps, columns: Object.fromEntries(LAB_CHECKED.map((c) => [c, d.columns[c]!])),
    });
  }
  return { files };
}

/** The hospital export of lab/hospital-extract.ts, described the same way. */
export function hospitalLabSpec(csv: string): { files: LabSpecFile[] } {
  return {
    files: [{
      path: csv, system: 'hospital', format: 'csv', encoding: 'utf-8', delimiter: ',', decimal: '.', timestamps: '%Y-%m-%d %H:%M:%S',
      columns: {
        patient: 'subject_id', analysis_code: 'itemid', value: 'value', value_num: 'valuenum', unit: 'valueuom',
        ref_low: 'ref_range_lower', ref_high: 'ref_range_upper', abnormal_flag: 'flag', sampled_at: 'charttime', resulted_at: 'storetime',
      },
    }],
  };
}
