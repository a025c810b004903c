import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../config/errors.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';
import type { FileSpec, GeneratorConfig } from './config.ts';

/** One delivery of a source layout (config/sources/*.yaml), defaults applied. */
export interface Delivery {
  readonly system: string;
  readonly kind: string;
  readonly glob: string;
  readonly format: 'csv' | 'tsv' | 'ndjson' | 'parquet';
  readonly encoding: 'utf-8' | 'latin-1';
  readonly delimiter: string;
  readonly decimal: string;
  readonly dates: string;
  readonly timestamps: string;
  readonly columns: Record<string, string>;
  readonly kinds?: { A?: string[]; B?: string[] };
  /** From config/generator.yaml: the file name template and what the layout does not say. */
  readonly name: string;
  readonly gzip: boolean;
  readonly bom: boolean;
}

/** Reads the source layouts named in config/generator.yaml, one per journal system. */
export async function loadDeliveries(root: string, cfg: GeneratorConfig): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const s of cfg.systems) {
    const path = join(root, 'config', 'sources', `${s.source}.yaml`);
    const doc = parse(await readFile(path, 'utf8')) as { system: string; defaults?: Record<string, unknown>; deliveries: Array<Record<string, unknown>> };
    if (doc.system !== s.name) throw new ConfigError(path, 'system', doc.system, `${JSON.stringify(s.name)}, the system config/generator.yaml names for ${s.source}`);
    const files: FileSpec = cfg.files[s.name]!;
    for (const d of doc.deliveries) {
      const m = { ...(doc.defaults ?? {}), ...d } as Record<string, unknown>;
      const kind = String(m.kind);
      const name = files.names[kind];
      if (!name) throw new ConfigError('config/generator.yaml', `files.${s.name}.names.${kind}`, undefined, `a file name for ${path}`);
      const format = String(m.format ?? 'csv') as Delivery['format'];
      out.push({
        system: s.name,
        kind,
        glob: String(m.files),
        format,
        encoding: (String(m.encoding ?? 'utf-8').toLowerCase() === 'latin-1' ? 'latin-1' : 'utf-8'),
        delimiter: format === 'tsv' ? '\t' : String(m.delimiter ?? ','),
        decimal: String(m.decimal ?? '.'),
        dates: String(m.dates ?? '%Y-%m-%d'),
        timestamps: String(m.timestamps ?? '%Y-%m-%dT%H:%M:%S'),
        columns: m.columns as Record<string, string>,
        kinds: m.kinds as Delivery['kinds'],
        name,
        gzip: name.endsWith('.gz'),
        bom: files.bom === true,
      });
    }
  }
  return out;
}

/** Turns a glob of config/sources into a RegExp (only * is used there). */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}

/** The vendor's record id, from the record number n. */
export function recordIdSql(system: string, n: string): string {
  switch (system) {
    case 'CGM XMO':
      return `'X' || ${n}::varchar`;
    case 'EG Clinea':
      return `'EGC-' || ${n}::varchar`;
    case 'MultiMed Web':
      return `'mm-' || ${n}::varchar`;
    case 'XMedicus':
      return `'xm' || ${n}::varchar`;
    case 'MyClinic': {
      // UUID-shaped; every fourth character is a letter, so no six digits in a row (CPR scanners)
      const group = (k: number) => `printf('%03x', gen_h('uuid${k}', ${n}) % 4096) || chr(97 + (gen_h('uuidl${k}', ${n}) % 6)::int)`;
      const s = `(${Array.from({ length: 8 }, (_, k) => group(k)).join(' || ')})`;
      return `substr(${s}, 1, 8) || '-' || substr(${s}, 9, 4) || '-' || substr(${s}, 13, 4) || '-' || substr(${s}, 17, 4) || '-' || substr(${s}, 21, 12)`;
    }
    default:
      return `${n}::varchar`;
  }
}

const dec = (d: Delivery, x: string) => (d.decimal === ',' ? `replace(${x}, '.', ',')` : x);

function dateSql(d: Delivery, col: string): string {
  if (d.format === 'parquet') return col;
  const fmt = sqlString(d.dates);
  // an impossible date written in the layout's own format, e.g. 31-02-2025 or 2025-02-31
  const bad = `replace(replace(replace(${fmt}, '%d', split_part(bad_date, '-', 1)), '%m', split_part(bad_date, '-', 2)), '%Y', year(${col})::varchar)`;
  return `case when bad_date is not null then ${bad} else coalesce(day_text, strftime(${col}, ${fmt})) end`;
}

function timestampSql(d: Delivery, col: string): string {
  if (d.format === 'parquet') return col;
  if (d.timestamps.includes('%z')) {
    // local time with its offset: +01:00 in winter, +02:00 in summer
    const local = sqlString(d.timestamps.replace('%z', ''));
    return `strftime(${col}, ${local}) || '+0' || date_diff('hour', timezone('UTC', timezone('Europe/Copenhagen', ${col})), ${col})::varchar || ':00'`;
  }
  return `strftime(${col}, ${sqlString(d.timestamps)})`;
}

function kindSql(d: Delivery): string {
  const spell = (xs: string[] | undefined) => {
    if (!xs || xs.length === 0) return 'null';
    if (xs.length === 1) return sqlString(xs[0]!);
    const rest = `[${xs.slice(1).map(sqlString).join(', ')}]`;
    // drawn from the record number, not the row: a re-sent record keeps its spelling
    return `case when gen_u('kind-spelling', rec_n) < 0.85 then ${sqlString(xs[0]!)} else gen_pick(${rest}, gen_u('kind-spelling2', rec_n)) end`;
  };
  if (!d.kinds) return 'kind_raw';
  return `coalesce(kind_raw, case kind when 'A' then ${spell(d.kinds.A)} when 'B' then ${spell(d.kinds.B)} end)`;
}

/** The SQL expression for each canonical column of the layout, over a finalised gen table. */
function canonicalSql(d: Delivery, cfg: GeneratorConfig, canonical: string): string {
  const icd = cfg.code_style[d.system] === 'icd';
  switch (canonical) {
    case 'record_id':
      return recordIdSql(d.system, `(rec_n + getvariable('id_base'))`);
    case 'sor_code':
      return 'sor_out';
    case 'ydernummer':
      return 'yder_out';
    case 'patient':
      return 'patient';
    case 'code':
      return icd ? `coalesce(code_raw, substr(code, 2, 3) || case when length(code) > 4 then '.' || substr(code, 5) else '' end)` : 'coalesce(code_raw, code)';
    case 'kind':
      return kindSql(d);
    case 'contact_date':
    case 'written_date':
      return dateSql(d, 'day');
    case 'note_time':
      return timestampSql(d, 'note_time');
    case 'sampled_at':
    case 'resulted_at':
      return timestampSql(d, canonical);
    case 'analysis_code':
      return 'code';
    case 'analysis_name':
      return 'name';
    case 'value':
      return dec(d, 'value_text');
    case 'ref_low':
    case 'ref_high':
      return dec(d, canonical);
    case 'abnormal_flag':
      return 'flag';
    case 'result_status':
      return 'status';
    case 'code_system':
    case 'operator':
    case 'unit':
    case 'ref_text':
    case 'title':
    case 'text':
    case 'examination':
    case 'note_type':
      return canonical;
    default:
      throw new ConfigError(`config/sources (${d.system})`, `deliveries (${d.kind}).columns.${canonical}`, canonical, 'a column the generator writes');
  }
}

/** `select` list that writes the layout's file columns in its order, with a BOM where asked. */
export function projectionSql(d: Delivery, cfg: GeneratorConfig): string {
  return Object.entries(d.columns)
    .map(([canonical, fileCol], i) => `${canonicalSql(d, cfg, canonical)} as ${sqlIdent(i === 0 && d.bom ? `\ufeff${fileCol}` : fileCol)}`)
    .join(',\n    ');
}

/**
 * COPY options for the layout (Latin-1 is re-encoded afterwards in Node). header = false writes
 * csv/tsv rows only: the rows of a later shard, appended to the file of the first.
 */
export function copyOptions(d: Delivery, header = true): string {
  if (d.format === 'parquet') return '(format parquet)';
  if (d.format === 'ndjson') return d.gzip && d.encoding === 'utf-8' ? '(format json, compression gzip)' : '(format json)';
  const gz = d.gzip && d.encoding === 'utf-8' ? ', compression gzip' : '';
  return `(format csv, header ${header}, delimiter ${sqlString(d.delimiter)}, quote '"'${gz})`;
}

/** The header line counts as line 1 in csv/tsv; ndjson and Parquet count from the first record. */
export const headerLines = (d: Delivery) => (d.format === 'csv' || d.format === 'tsv' ? 1 : 0);
