// The NPU catalogue (config/reference/npu-catalogue.yaml): loading, validation, and the
// ref.npu_* tables the lab layer joins against. The YAML's header documents every field.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseYaml } from '../../config/parse-yaml.ts';
import { ConfigError, NotFound, shownPath, type ConfigProblem } from '../../config/errors.ts';
import { unknownKeys } from '../../config/keys.ts';
import { sqlString } from '../db/connection.ts';
import { loincProblem } from './loinc.ts';
import { loadSpecialties } from './specialties.ts';
import { isGzipPath } from '../ingest/content-stream.ts';

/** The project's catalogue, beside the specialty list it refers to. */
export const defaultCataloguePath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'reference', 'npu-catalogue.yaml');

export const RESULT_TYPES = ['numeric', 'ordinal', 'nominal'] as const;
export type ResultType = (typeof RESULT_TYPES)[number];
export const CONFIDENCE = ['official-ish', 'community-attested', 'lab-page', 'low'] as const;
export type Confidence = (typeof CONFIDENCE)[number];

/** canonical = value * factor + offset */
export interface UnitConversion {
  readonly unit: string;
  readonly factor: number;
  readonly offset: number;
  readonly source: string;
}

export interface Band {
  readonly low: number | null;
  readonly high: number | null;
  readonly source: string;
}

export interface NpuAnalysis {
  readonly code: string;
  readonly name: string;
  readonly short: string | null;
  readonly source: string;
  readonly confidence: Confidence;
  readonly resultType: ResultType;
  /** Canonical unit as unit_normalise() spells it; null for ordinal and nominal results. */
  readonly unit: string | null;
  readonly unitRequired: boolean;
  /** Accepted units other than the canonical one. */
  readonly units: readonly UnitConversion[];
  /** Allowed answers of an ordinal or nominal analysis, as lab_value_parse() spells them. */
  readonly values: readonly string[] | null;
  readonly hard: Band | null;
  readonly soft: Band | null;
  readonly critical: Band | null;
  readonly specialties: { readonly codes: readonly number[]; readonly source: string };
}

export interface RetiredCode {
  readonly code: string;
  readonly successor: string;
  readonly name: string | null;
  /** The unit results under the old code were reported in, converted to the successor's unit. */
  readonly unit: string | null;
  readonly factor: number;
  readonly offset: number;
  readonly source: string;
  readonly confidence: Confidence;
}

/** A LOINC code that means the same analysis as a catalogue code, so its facts apply. */
export interface LoincLink {
  readonly loinc: string;
  readonly npu: string;
  /** LOINC's long common name. */
  readonly name: string;
  readonly source: string;
}

export interface NpuCatalogue {
  readonly file: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly analyses: readonly NpuAnalysis[];
  readonly retired: readonly RetiredCode[];
  readonly loinc: readonly LoincLink[];
}

export interface CatalogueOptions {
  /** Specialty codes an analysis may name; default: the active codes of specialties.yaml beside the catalogue. */
  readonly specialties?: readonly number[];
}

interface ConfigLike {
  readonly reference?: { readonly npuFile?: string | null };
}

/**
 * Reads and validates the NPU catalogue at `path`; throws a ConfigError listing every problem.
 *
 * Called with a DuckDB connection instead (the lab layer's way), it loads the project's catalogue,
 * writes ref.npu_analyses / ref.npu_units / ref.npu_retired, and, when the configuration names an
 * official NPU export (reference.npu_file), loads it into ref.npu_official.
 */
export async function loadCatalogue(path: string, options?: CatalogueOptions): Promise<NpuCatalogue>;
export async function loadCatalogue(conn: DuckDBConnection, config?: ConfigLike): Promise<NpuCatalogue>;
export async function loadCatalogue(target: string | DuckDBConnection, extra?: CatalogueOptions | ConfigLike): Promise<NpuCatalogue> {
  if (typeof target !== 'string') {
    const catalogue = await loadCatalogue(defaultCataloguePath);
    await writeCatalogueTables(target, catalogue);
    const official = (extra as ConfigLike | undefined)?.reference?.npuFile;
    await loadOfficialNpu(target, official ?? null);
    return catalogue;
  }
  const options = (extra ?? {}) as CatalogueOptions;
  let text: string;
  try {
    text = await readFile(target, 'utf8');
  } catch (err) {
    throw new ConfigError(shownPath(target), '(file)', (err as NodeJS.ErrnoException).code ?? (err as Error).message, 'a readable YAML file');
  }
  let specialties = options.specialties;
  const beside = join(dirname(target), 'specialties.yaml');
  if (!specialties && existsSync(beside)) specialties = (await loadSpecialties(beside)).filter((s) => !s.retired).map((s) => s.code);
  return parseCatalogue(text, target, { specialties });
}

const NPU_CODE = /^(NPU|DNK)[0-9]{5}$/;
const ANALYSIS_KEYS = new Set([
  'code', 'name', 'short', 'source', 'confidence', 'result_type', 'unit', 'unit_required', 'units', 'values', 'hard', 'soft', 'critical', 'specialties',
]);
const RETIRED_KEYS = new Set(['code', 'successor', 'name', 'unit', 'factor', 'offset', 'source', 'confidence']);

/** Validates a catalogue given as YAML text; `file` names it in errors. */
export function parseCatalogue(text: string, file: string, options: CatalogueOptions = {}): NpuCatalogue {
  const shown = shownPath(file);
  const problems: ConfigProblem[] = [];
  const problem = (key: string, expected: string, found: unknown) => problems.push({ file: shown, key, found, expected });

  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(shown, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
  if (!isObject(doc)) throw new ConfigError(shown, '(document)', doc, 'a mapping with sources, analyses and retired');
  problems.push(...unknownKeys(shown, doc, ['sources', 'analyses', 'retired', 'loinc']));

  const sources: Record<string, string> = {};
  if (!isObject(doc.sources)) problem('sources', 'a mapping of source key to description', doc.sources);
  else for (const [k, v] of Object.entries(doc.sources)) typeof v === 'string' && v.trim() ? (sources[k] = v.trim()) : problem(`sources.${k}`, 'a description', v);

  const sourceOf = (key: string, v: unknown): string => {
    if (typeof v !== 'string' || !v.trim()) {
      problem(key, `a source (${Object.keys(sources).join(', ')}, optionally with ': remark')`, v);
      return '';
    }
    const head = v.split(':')[0]!.trim().split(/[;,]/)[0]!.trim();
    if (!(head in sources)) problem(key, `a source starting with one of ${Object.keys(sources).join(', ')}`, v);
    return v.trim();
  };
  const num = (key: string, v: unknown, required = true): number | null => {
    if (v === undefined || v === null) {
      if (required) problem(key, 'a number', v);
      return null;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problem(key, 'a number', v);
      return null;
    }
    return v;
  };
  const str = (key: string, v: unknown, required = true): string | null => {
    if (v === undefined || v === null) {
      if (required) problem(key, 'a text', v);
      return null;
    }
    if (typeof v !== 'string' || !v.trim()) {
      problem(key, 'a non-empty text', v);
      return null;
    }
    return v.trim();
  };
  const band = (key: string, v: unknown, needBoth: boolean): Band | null => {
    if (v === undefined || v === null) return null;
    if (!isObject(v)) {
      problem(key, 'a mapping { low, high, source }', v);
      return null;
    }
    for (const k of Object.keys(v)) if (!['low', 'high', 'source'].includes(k)) problem(`${key}.${k}`, 'one of low, high, source', k);
    const low = num(`${key}.low`, v.low, needBoth);
    const high = num(`${key}.high`, v.high, needBoth);
    if (low === null && high === null && !needBoth) problem(key, 'low or high', v);
    if (low !== null && high !== null && !(low < high)) problem(key, 'low < high', `low ${low}, high ${high}`);
    return { low, high, source: sourceOf(`${key}.source`, v.source) };
  };

  const specialtyCodes = options.specialties ? new Set(options.specialties) : null;
  const analyses: NpuAnalysis[] = [];
  const seen = new Map<string, string>();
  if (!Array.isArray(doc.analyses)) problem('analyses', 'a list of analyses', doc.analyses);
  for (const [i, a] of (Array.isArray(doc.analyses) ? doc.analyses : []).entries()) {
    const where = `analyses[${i}]${isObject(a) && typeof a.code === 'string' ? ` (${a.code})` : ''}`;
    if (!isObject(a)) {
      problem(where, 'a mapping', a);
      continue;
    }
    problems.push(...unknownKeys(shown, a, [...ANALYSIS_KEYS], `${where}.`));
    const code = str(`${where}.code`, a.code) ?? '';
    if (code && !NPU_CODE.test(code)) problem(`${where}.code`, "'NPU' or 'DNK' + 5 digits", code);
    if (code && seen.has(code)) problem(`${where}.code`, `a code not already used (${seen.get(code)})`, code);
    seen.set(code, where);
    const resultType = a.result_type as ResultType;
    if (!RESULT_TYPES.includes(resultType)) problem(`${where}.result_type`, RESULT_TYPES.join(' | '), a.result_type);
    const confidence = a.confidence as Confidence;
    if (!CONFIDENCE.includes(confidence)) problem(`${where}.confidence`, CONFIDENCE.join(' | '), a.confidence);
    const numeric = resultType === 'numeric';

    const unit = numeric ? str(`${where}.unit`, a.unit) : null;
    if (!numeric && a.unit !== undefined) problem(`${where}.unit`, `no unit for a ${resultType} result`, a.unit);
    if (a.unit_required !== undefined && typeof a.unit_required !== 'boolean') problem(`${where}.unit_required`, 'true or false', a.unit_required);

    const units: UnitConversion[] = [];
    if (a.units !== undefined) {
      if (!numeric) problem(`${where}.units`, `no units for a ${resultType} result`, a.units);
      else if (!Array.isArray(a.units)) problem(`${where}.units`, 'a list of { unit, factor, offset?, source }', a.units);
      else
        for (const [j, u] of a.units.entries()) {
          const uw = `${where}.units[${j}]`;
          if (!isObject(u)) {
            problem(uw, 'a mapping { unit, factor, offset?, source }', u);
            continue;
          }
          for (const k of Object.keys(u)) if (!['unit', 'factor', 'offset', 'source'].includes(k)) problem(`${uw}.${k}`, 'one of unit, factor, offset, source', k);
          const un = str(`${uw}.unit`, u.unit) ?? '';
          if (un && un === unit) problem(`${uw}.unit`, 'a unit other than the canonical one (listed implicitly with factor 1)', un);
          if (un && units.some((x) => x.unit === un)) problem(`${uw}.unit`, 'each unit once', un);
          const factor = num(`${uw}.factor`, u.factor);
          if (factor === 0) problem(`${uw}.factor`, 'a factor other than 0', factor);
          units.push({ unit: un, factor: factor ?? 1, offset: num(`${uw}.offset`, u.offset, false) ?? 0, source: sourceOf(`${uw}.source`, u.source) });
        }
    }

    let values: string[] | null = null;
    if (numeric && a.values !== undefined) problem(`${where}.values`, 'no values for a numeric result', a.values);
    if (!numeric && resultType) {
      if (!Array.isArray(a.values) || a.values.length === 0 || !a.values.every((v) => typeof v === 'string' && v.trim()))
        problem(`${where}.values`, `a non-empty list of the allowed answers of a ${resultType} result`, a.values);
      else values = a.values.map((v: string) => v.trim());
    }

    const hard = band(`${where}.hard`, a.hard, true);
    const soft = band(`${where}.soft`, a.soft, true);
    const critical = band(`${where}.critical`, a.critical, false);
    if (numeric && !hard) problem(`${where}.hard`, 'hard limits { low, high, source } for a numeric result', a.hard);
    if (!numeric && (hard || soft || critical)) problem(`${where}.hard`, `no limits for a ${resultType} result`, a.hard ?? a.soft ?? a.critical);
    if (hard && soft && hard.low !== null && hard.high !== null && soft.low !== null && soft.high !== null
        && (soft.low < hard.low || soft.high > hard.high)) {
      problem(`${where}.soft`, `a band inside the hard limits ${hard.low}..${hard.high}`, `${soft.low}..${soft.high}`);
    }

    let specialties = { codes: [] as number[], source: '' };
    if (!isObject(a.specialties) || !Array.isArray(a.specialties.codes)) problem(`${where}.specialties`, 'a mapping { codes: [..], source }', a.specialties);
    else {
      const codes = a.specialties.codes as unknown[];
      for (const c of codes) {
        if (typeof c !== 'number' || !Number.isInteger(c)) problem(`${where}.specialties.codes`, 'specialty codes (integers)', c);
        else if (specialtyCodes && !specialtyCodes.has(c)) problem(`${where}.specialties.codes`, `an active specialty code (${[...specialtyCodes].join(', ')})`, c);
      }
      specialties = { codes: codes.filter((c): c is number => typeof c === 'number'), source: sourceOf(`${where}.specialties.source`, a.specialties.source) };
    }

    analyses.push({
      code,
      name: str(`${where}.name`, a.name) ?? '',
      short: str(`${where}.short`, a.short, false),
      source: sourceOf(`${where}.source`, a.source),
      confidence,
      resultType,
      unit,
      unitRequired: typeof a.unit_required === 'boolean' ? a.unit_required : numeric,
      units,
      values,
      hard,
      soft,
      critical,
      specialties,
    });
  }

  const retired: RetiredCode[] = [];
  const byCode = new Map(analyses.map((a) => [a.code, a]));
  if (doc.retired !== undefined && !Array.isArray(doc.retired)) problem('retired', 'a list of retired codes', doc.retired);
  for (const [i, r] of (Array.isArray(doc.retired) ? doc.retired : []).entries()) {
    const where = `retired[${i}]${isObject(r) && typeof r.code === 'string' ? ` (${r.code})` : ''}`;
    if (!isObject(r)) {
      problem(where, 'a mapping', r);
      continue;
    }
    problems.push(...unknownKeys(shown, r, [...RETIRED_KEYS], `${where}.`));
    const code = str(`${where}.code`, r.code) ?? '';
    if (code && !NPU_CODE.test(code)) problem(`${where}.code`, "'NPU' or 'DNK' + 5 digits", code);
    if (code && seen.has(code)) problem(`${where}.code`, `a code not already used (${seen.get(code)})`, code);
    seen.set(code, where);
    const successor = str(`${where}.successor`, r.successor) ?? '';
    if (successor && !byCode.has(successor)) problem(`${where}.successor`, 'the code of an analysis in this catalogue', successor);
    const confidence = r.confidence as Confidence;
    if (!CONFIDENCE.includes(confidence)) problem(`${where}.confidence`, CONFIDENCE.join(' | '), r.confidence);
    const factor = num(`${where}.factor`, r.factor, false);
    if (factor === 0) problem(`${where}.factor`, 'a factor other than 0', factor);
    retired.push({
      code,
      successor,
      name: str(`${where}.name`, r.name, false),
      unit: str(`${where}.unit`, r.unit, false),
      factor: factor ?? 1,
      offset: num(`${where}.offset`, r.offset, false) ?? 0,
      source: sourceOf(`${where}.source`, r.source),
      confidence,
    });
  }

  const loinc: LoincLink[] = [];
  const linked = new Set<string>();
  if (doc.loinc !== undefined && !Array.isArray(doc.loinc)) problem('loinc', 'a list of { code, npu, name, source }', doc.loinc);
  for (const [i, l] of (Array.isArray(doc.loinc) ? doc.loinc : []).entries()) {
    const where = `loinc[${i}]${isObject(l) && typeof l.code === 'string' ? ` (${l.code})` : ''}`;
    if (!isObject(l)) {
      problem(where, 'a mapping { code, npu, name, source }', l);
      continue;
    }
    problems.push(...unknownKeys(shown, l, ['code', 'npu', 'name', 'source'], `${where}.`));
    const code = str(`${where}.code`, l.code) ?? '';
    const wrong = code ? loincProblem(code) : null;
    if (wrong) problem(`${where}.code`, wrong, code);
    if (code && linked.has(code)) problem(`${where}.code`, 'a LOINC code not already linked', code);
    linked.add(code);
    const npu = str(`${where}.npu`, l.npu) ?? '';
    if (npu && !seen.has(npu)) problem(`${where}.npu`, 'a code of the analyses above', npu);
    loinc.push({ loinc: code, npu, name: str(`${where}.name`, l.name) ?? '', source: sourceOf(`${where}.source`, l.source) });
  }

  if (problems.length) throw ConfigError.of(problems);
  return Object.freeze({ file, sources: Object.freeze(sources), analyses: Object.freeze(analyses), retired: Object.freeze(retired), loinc: Object.freeze(loinc) });
}

/**
 * (Re)creates ref.npu_analyses, ref.npu_units and ref.npu_retired from a catalogue.
 * ref.npu_units lists every accepted unit of an analysis with canonical = value * factor + "offset",
 * the canonical unit itself included with factor 1, so a join on (code, unit_normalise(unit)) finds
 * the conversion of any delivered result (units as unit_normalise spells them).
 */
export async function writeCatalogueTables(conn: DuckDBConnection, catalogue: NpuCatalogue): Promise<void> {
  const s = (v: string | null) => (v === null ? 'null' : sqlString(v));
  const n = (v: number | null) => (v === null ? 'null' : String(v));
  const list = (v: readonly string[] | null) => (v === null ? 'null' : `[${v.map(sqlString).join(', ')}]::varchar[]`);
  // Descriptive columns are nullable and conversions default to identity, so a fixture that
  // fills only the columns the lab layer reads (code, name, unit, result_type, limits) still fits.
  await conn.run(`create schema if not exists ref;
    create or replace table ref.npu_analyses (
      code varchar primary key, name varchar, short_name varchar, unit varchar, unit_required boolean default true,
      result_type varchar not null, allowed_values varchar[], hard_low double, hard_high double, soft_low double,
      soft_high double, critical_low double, critical_high double, specialties integer[], confidence varchar,
      source varchar, hard_source varchar, soft_source varchar, critical_source varchar, specialties_source varchar);
    create or replace table ref.npu_units (code varchar not null, unit varchar not null, factor double not null default 1,
      "offset" double not null default 0, source varchar, primary key (code, unit));
    create or replace table ref.npu_retired (code varchar primary key, successor varchar not null, name varchar, unit varchar,
      factor double not null default 1, "offset" double not null default 0, source varchar, confidence varchar);
    create or replace table ref.loinc_npu (loinc varchar primary key, npu varchar not null, name varchar, source varchar);`);
  const analyses = catalogue.analyses.map((a) =>
    `(${[
      s(a.code), s(a.name), s(a.short), s(a.unit), String(a.unitRequired), s(a.resultType), list(a.values),
      n(a.hard?.low ?? null), n(a.hard?.high ?? null), n(a.soft?.low ?? null), n(a.soft?.high ?? null),
      n(a.critical?.low ?? null), n(a.critical?.high ?? null), `[${a.specialties.codes.join(', ')}]::integer[]`,
      s(a.confidence), s(a.source), s(a.hard?.source ?? null), s(a.soft?.source ?? null), s(a.critical?.source ?? null), s(a.specialties.source),
    ].join(', ')})`);
  if (analyses.length) await conn.run(`insert into ref.npu_analyses values ${analyses.join(',\n')}`);
  const units = catalogue.analyses.flatMap((a) => [
    ...(a.unit ? [`(${s(a.code)}, ${s(a.unit)}, 1, 0, 'canonical unit')`] : []),
    ...a.units.map((u) => `(${s(a.code)}, ${s(u.unit)}, ${u.factor}, ${u.offset}, ${s(u.source)})`),
  ]);
  if (units.length) await conn.run(`insert into ref.npu_units values ${units.join(',\n')}`);
  const retired = catalogue.retired.map((r) =>
    `(${[s(r.code), s(r.successor), s(r.name), s(r.unit), String(r.factor), String(r.offset), s(r.source), s(r.confidence)].join(', ')})`);
  if (retired.length) await conn.run(`insert into ref.npu_retired values ${retired.join(',\n')}`);
  const loinc = (catalogue.loinc ?? []).map((l) => `(${[s(l.loinc), s(l.npu), s(l.name), s(l.source)].join(', ')})`);
  if (loinc.length) await conn.run(`insert into ref.loinc_npu values ${loinc.join(',\n')}`);
}

/**
 * Loads an official NPU export (pipeline.yaml reference.npu_file) into ref.npu_official
 * (code, text, unit, active), or leaves the table empty when no file is configured.
 *
 * Expected file: CSV (delimiter ; , or tab, whichever the header uses most; UTF-8 or, with a .latin1.csv name, Latin-1; may be .gz)
 * with a header holding at least these columns, in any order and case:
 *   code    the NPU or DNK code (aliases: npu_code, npu, kode)
 *   text    the Danish display text (aliases: name, display, short_definition, tekst)
 *   unit    the unit, may be empty (aliases: enhed)
 *   active  whether the code is in use: 1/0, true/false, yes/no, ja/nej, j/n, active/retired
 *           (aliases: is_active, aktiv, status)
 * Other columns are ignored.
 */
export async function loadOfficialNpu(conn: DuckDBConnection, path: string | null): Promise<number> {
  await conn.run(`create schema if not exists ref;
    create or replace table ref.npu_official (code varchar, text varchar, unit varchar, active boolean)`);
  if (!path) return 0;
  if (!existsSync(path)) throw new NotFound('file', path, 'the official NPU export named by reference.npu_file');
  const encoding = /latin-?1/i.test(basename(path)) ? 'latin-1' : 'utf-8';
  // the delimiter is the header's most frequent of ; , tab (sniffing the data is fooled by ';' in NPU texts)
  const header = await firstLine(path);
  const delim = [';', ',', '\t'].map((d) => [d, header.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const read = `read_csv(${sqlString(path)}, header = true, all_varchar = true, delim = ${sqlString(delim)}, quote = '"', encoding = ${sqlString(encoding)})`;
  const described = await conn.runAndReadAll(`describe select * from ${read}`);
  const columns = described.getRowObjectsJS().map((r) => String(r.column_name));
  const pick = (names: string[]) => columns.find((c) => names.includes(c.trim().toLowerCase().replaceAll(' ', '_')));
  const found = {
    code: pick(['code', 'npu_code', 'npu', 'kode']),
    text: pick(['text', 'name', 'display', 'short_definition', 'tekst']),
    unit: pick(['unit', 'enhed']),
    active: pick(['active', 'is_active', 'aktiv', 'status']),
  };
  const missing = Object.entries(found).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    throw new ConfigError(shownPath(path), '(header)', columns, `columns code, text, unit, active; missing ${missing.join(', ')}`);
  }
  const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
  await conn.run(`insert into ref.npu_official
    select upper(trim(${q(found.code!)})), trim(${q(found.text!)}), nullif(trim(${q(found.unit!)}), ''),
           lower(trim(${q(found.active!)})) in ('1', 'true', 't', 'yes', 'y', 'ja', 'j', 'active', 'aktiv')
    from ${read}
    where nullif(trim(${q(found.code!)}), '') is not null`);
  const r = await conn.runAndReadAll(`select count(*)::integer as n from ref.npu_official`);
  return Number(r.getRowObjectsJS()[0]?.n ?? 0);
}

/**
 * Catalogue codes the official export does not hold, or holds as no longer active
 * (nothing when no export is loaded).
 */
export async function checkAgainstOfficial(conn: DuckDBConnection): Promise<Array<{ code: string; problem: 'missing' | 'inactive' }>> {
  const loaded = await conn.runAndReadAll(`select count(*)::integer as n from ref.npu_official`);
  if (Number(loaded.getRowObjectsJS()[0]?.n ?? 0) === 0) return [];
  const r = await conn.runAndReadAll(`
    with catalogue as (select code from ref.npu_analyses),
    official as (select code, bool_or(active) as active from ref.npu_official group by code)
    select catalogue.code, case when official.code is null then 'missing' else 'inactive' end as problem
    from catalogue left join official using (code)
    where official.code is null or not official.active
    order by 1`);
  return r.getRowObjectsJS() as Array<{ code: string; problem: 'missing' | 'inactive' }>;
}

async function firstLine(path: string): Promise<string> {
  let data = await readFile(path);
  if (isGzipPath(path)) data = gunzipSync(data);
  const text = data.subarray(0, 64 * 1024).toString('latin1');
  return text.split(/\r?\n/, 1)[0] ?? '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
