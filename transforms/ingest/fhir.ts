// FHIR R4 Observation NDJSON (a bulk export's Observation.ndjson, optionally gzipped) into
// the lab staging table. Lines are read the way the pipeline reads NDJSON (one line = one
// record, numbered from 1), so a broken line is rejected with its number; the mapping of an
// Observation onto the canonical columns is SQL (sql/fhir_observations.sql).
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../db/connection.ts';
import { contentStream } from './content-stream.ts';
import { readStart, utf16Of, wrongEncoding } from './header.ts';
import type { FhirLineSurvey } from './fhir-lines.ts';
import { literalPath } from './literal-path.ts';
import { recordStagedFile, STAGED_FILES, stagingTable, type StageContext, type StageResult } from './stage.ts';
import { copyPlace } from './windows-1252.ts';

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/**
 * The longest line that is read. An Observation may carry a note or an attachment of tens of MB
 * on its line; the JSON functions parse a line whole, several times per statement, so within the
 * configured 1400 MB a line of some 40 MB is the most that fits beside the rest. A longer line is
 * rejected on its own, with its number and size (fhir-lines.ts), and the file's other lines read.
 */
export const MAX_FHIR_LINE_BYTES = 40 * 1024 * 1024;

/** The journal-system name FHIR rows carry (there is no vendor layout behind them). */
export const FHIR_SYSTEM = 'FHIR';

/** How a file holds FHIR Observations (fhirForm). */
export type FhirForm = 'ndjson' | 'document' | 'utf-16';

/** The largest FHIR document (not NDJSON) that is read: it is read as one line. */
export const MAX_DOCUMENT_BYTES = MAX_FHIR_LINE_BYTES;

type Resource = { resourceType?: unknown; entry?: unknown } | null;

/** Whether a parsed JSON value is an Observation or holds one (a Bundle's entry[].resource, an array's element). */
function holdsObservation(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => (v as Resource)?.resourceType === 'Observation');
  const r = value as Resource;
  if (r === null || typeof r !== 'object') return false;
  if (r.resourceType === 'Observation') return true;
  return r.resourceType === 'Bundle' && Array.isArray(r.entry)
    && r.entry.some((e) => (e as { resource?: Resource } | null)?.resource?.resourceType === 'Observation');
}

/** The resourceType of a parsed value ('an array' for an array of resources), undefined when it has none. */
function typeOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.some((v) => typeof (v as Resource)?.resourceType === 'string') ? 'an array' : undefined;
  const type = (value as Resource)?.resourceType;
  return typeof type === 'string' ? type : undefined;
}

/**
 * How a file holds FHIR Observations, when it does:
 * - 'ndjson': a resource per line (a bulk export's Observation.ndjson), with an Observation among
 *   them, on a line of its own or in a Bundle's entries or a JSON array written as one line;
 * - 'document': one JSON document over several lines (a Bundle as a search returns it, one
 *   Observation, an array of them) holding an Observation, of at most MAX_DOCUMENT_BYTES: read
 *   as one line (readDocumentAsLine);
 * - 'utf-16': FHIR written in UTF-16; FHIR is UTF-8, and staging rejects the file whole saying so.
 * { notRead } names why a file of FHIR resources is not read (no Observation in it, too large a
 * document), said in place of "matches no layout", which would send the analyst to rename a file
 * whose content is the point. null: no FHIR.
 */
export async function fhirForm(path: string): Promise<FhirForm | { notRead: string } | null> {
  const utf16 = await utf16Fhir(path);
  if (utf16) return 'utf-16';
  const lines = await ndjsonOf(path);
  if (lines === true) return 'ndjson';
  if (typeof lines === 'string') return { notRead: lines };
  return documentOf(path);
}

/** FHIR in UTF-16: a JSON object or array with a resourceType among its first characters. */
async function utf16Fhir(path: string): Promise<boolean> {
  const { head } = await readStart(path, (_buf, read) => read >= 64 << 10).catch(() => ({ head: Buffer.alloc(0) }));
  const utf16 = utf16Of(head);
  if (utf16 === null) return false;
  const text = new TextDecoder(utf16.encoding).decode(head).replace(/^\uFEFF/, '').trimStart();
  return /^[[{]/.test(text) && /"resourceType"\s*:/.test(text);
}

/**
 * true when the file is NDJSON of FHIR resources with an Observation among them: its lines are
 * read until the first one with an Observation (a bulk export may open with other resources,
 * Patients), or 64 MB. A string when every line is a resource and none an Observation (saying
 * which), false when a line is no JSON resource.
 */
async function ndjsonOf(path: string): Promise<boolean | string> {
  const stream = contentStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let bytes = 0;
  const types = new Set<string>();
  try {
    for await (const raw of lines) {
      const line = bytes === 0 ? raw.replace(/^\uFEFF/, '') : raw;
      bytes += raw.length + 1;
      if (bytes > 64 << 20) return false;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return false;
      }
      if (holdsObservation(value)) return true;
      const type = typeOf(value);
      if (type === undefined) return false;
      types.add(type);
    }
    return types.size ? `FHIR NDJSON of ${[...types].sort().join(', ')} resources, no Observation among them: nothing to evaluate` : false;
  } catch {
    return false; // not gzip after all, or unreadable: not FHIR
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** A FHIR JSON document over several lines: 'document' when it holds an Observation, else why it is not read, or null when it is no FHIR. */
async function documentOf(path: string): Promise<'document' | { notRead: string } | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = contentStream(path);
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_DOCUMENT_BYTES) break;
      chunks.push(chunk as Buffer);
    }
  } catch {
    return null; // a gzip that is none
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const type = /^[[{][^]*?"resourceType"\s*:\s*"([A-Za-z]+)"/.exec(text.slice(0, 4096))?.[1];
  if (!type) return null;
  const what = text.startsWith('[') ? 'a JSON array of FHIR resources' : `a FHIR ${type}`;
  if (size > MAX_DOCUMENT_BYTES) {
    return { notRead: `${what} written as one JSON document of more than ${MAX_DOCUMENT_BYTES >> 20} MB: FHIR is read as NDJSON, one resource per line, as a bulk export ($export) writes it` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { notRead: `${what} written over several lines, but not valid JSON (${String((err as Error).message).slice(0, 120)})` };
  }
  return holdsObservation(value) ? 'document' : { notRead: `${what} with no Observation in it: nothing to evaluate` };
}

/**
 * Writes a FHIR JSON document (fhirForm 'document') as one line into a copy in `dir`: staging then
 * reads it as a line holding a Bundle or an array, whose resources it reads one by one. Only the
 * blanks between tokens go; every string and number stays as written (4.10 stays 4.10).
 */
export async function readDocumentAsLine(path: string, dir: string): Promise<{ path: string; lines: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of contentStream(path)) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 32 || c === 9 || c === 10 || c === 13) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  out += text.slice(from);
  const copy = await copyPlace(path, 'fangst-fhir-doc-', dir);
  await writeFile(copy.path, `${out}\n`, { mode: 0o600 });
  return { path: copy.path, lines: text.split('\n').length };
}

/**
 * Observations that are no lab result, kept apart from the results one row each with the reason,
 * so that an evaluation can report them without counting them: another category than laboratory
 * (vital signs, surveys, ...; a category coded 'laboratory' or, as Epic's own system codes it,
 * 'Lab' is laboratory), withdrawn (status entered-in-error: "should never have existed", FHIR R4
 * ObservationStatus), cancelled ("not started or not completed"), a panel that only groups
 * other Observations (hasMember) and has no value or component of its own (its members are
 * results in their own lines), an older version of an Observation the file (or, after
 * setApartOlderAcrossFiles, another file of the evaluation) holds newer, or
 * another resource (a bulk export's Patient: `code` holds its resourceType).
 */
export const FHIR_SET_APART = 'lab.fhir_set_apart';

/** The reason a resource of another type than Observation is set apart (its `code` is the type). */
export const FHIR_OTHER_RESOURCE = 'another resource than Observation';

/**
 * What a FHIR result carries beyond the staging columns, one row per staged result: the
 * Observation a component result belongs to (parent_record_id), the Observation's category, and
 * why a result has no value (absent_reason, FHIR's dataAbsentReason). The nightly job's lab layer
 * finds the table empty (transform-run.ts): it reads no FHIR.
 */
export const FHIR_RESULTS = 'lab.fhir_results';
export const FHIR_RESULT_COLUMNS = `file_hash varchar, source_file varchar, source_line bigint, record_id varchar,
  parent_record_id varchar, category varchar, absent_reason varchar`;

/**
 * The version of every Observation a file keeps (the newest of its versions in that file), one
 * row per line: setApartOlderAcrossFiles compares them between the files of one evaluation.
 */
const FHIR_VERSIONS = 'lab.fhir_versions';

/** Defines fhir_instant(), fhir_unit() and the set-apart and result tables in the database; call once before staging FHIR files. */
export async function loadFhirMacros(conn: DuckDBConnection): Promise<void> {
  await conn.run(await readFile(join(sqlDir, 'fhir_instant.sql'), 'utf8'));
  await conn.run(await readFile(join(sqlDir, 'fhir_unit.sql'), 'utf8'));
  await conn.run(`create schema if not exists lab; create or replace table ${FHIR_SET_APART} (file_hash varchar, source_file varchar,
    source_line bigint, reason varchar, category varchar, code varchar, name varchar, detail varchar);
    create or replace table ${FHIR_RESULTS} (${FHIR_RESULT_COLUMNS});
    create or replace table ${FHIR_VERSIONS} (file_hash varchar, source_file varchar, source_line bigint, observation_id varchar,
      version_id bigint, last_updated timestamptz, version_text varchar, updated_text varchar, category varchar, code varchar, name varchar)`);
}

// Every category code of an Observation (category[].coding[].code), an empty list when none is given.
// (json_extract, not the -> operator: inside a lambda DuckDB reads -> as another lambda)
const CATEGORIES = `coalesce(flatten(list_transform(coalesce(from_json(json_extract(j, '$.category'), '["json"]'), []),
  c -> list_transform(coalesce(from_json(json_extract(c, '$.coding'), '["json"]'), []), x -> json_extract_string(x, '$.code')))), [])`;

const IS_OBJECT = `coalesce(case when json_valid(j) then json_type(j) = 'OBJECT' end, false)`;
const IS_ARRAY = `coalesce(case when json_valid(j) then json_type(j) = 'ARRAY' end, false)`;
const IS_BUNDLE = `coalesce(case when ${IS_OBJECT} then (j ->> '$.resourceType') = 'Bundle' end, false)`;
const BUNDLE_ENTRIES = `coalesce(from_json(j -> '$.entry', '["json"]'), [])`;

// R4's value[x] choices.
const VALUE_TYPES = ['Quantity', 'CodeableConcept', 'String', 'Boolean', 'Integer', 'Range', 'Ratio', 'SampledData', 'Time', 'DateTime', 'Period'];

// Whether an Observation has a value of its own: any of the value[x] choices.
const HAS_VALUE = `(${VALUE_TYPES.map((t) => `json_exists(j, '$.value${t}')`).join(' or ')})`;

/**
 * The Observation's elements that staging reads (here and in sql/fhir_observations.sql); the rest
 * (narrative text, notes, extensions, specimen and device details) is dropped once, in one parse
 * of the line: each element read parses the whole line again, which for a line holding a note of
 * tens of MB, read some thirty times in one statement, does not fit in memory. Keys whose value
 * is null are dropped with them (json_merge_patch).
 */
const READ_ELEMENTS = ['resourceType', 'id', 'meta', 'status', 'category', 'code', 'subject', 'contained', 'effectiveDateTime', 'effectivePeriod',
  'effectiveInstant', 'issued', 'performer', 'component', 'hasMember', 'referenceRange', 'interpretation', 'dataAbsentReason',
  ...VALUE_TYPES.map((t) => `value${t}`)];
const READ_ONLY = `json_merge_patch('{}', to_json(from_json(j, '{${READ_ELEMENTS.map((k) => `"${k}":"JSON"`).join(',')}}')))`;

// Why an Observation is set apart, null for a lab result (see FHIR_SET_APART); first reason wins.
const SET_APART_REASON = `case
    when len(categories) > 0 and not list_has_any(list_transform(categories, c -> lower(c)), ['laboratory', 'lab']) then 'not laboratory'
    when (j ->> '$.status') = 'entered-in-error' then 'withdrawn (status entered-in-error)'
    when (j ->> '$.status') = 'cancelled' then 'cancelled (status cancelled: not performed or not completed)'
    when json_exists(j, '$.hasMember') and not has_value and not json_exists(j, '$.component') then 'panel: groups its members (hasMember), no value of its own'
    when newer_line is not null then 'an older version (the file holds a newer one)'
  end`;

// An Observation's version, newest first: meta.versionId, else meta.lastUpdated.
const VERSION_ID = `try_cast(j ->> '$.meta.versionId' as bigint)`;
const LAST_UPDATED = `fhir_instant(j ->> '$.meta.lastUpdated')`;
// What a set-apart Observation was: its code and name.
const CODE = `j ->> '$.code.coding[0].code'`;
const NAME = `coalesce(j ->> '$.code.text', j ->> '$.code.coding[0].display')`;

// A history export holds an Observation in several versions: the newest (meta.versionId, else
// meta.lastUpdated; the line is no order) is the result, the others are set apart (the table's
// detail names the newer one's version and line).
// Lines of one id without a version, or of the same version, are left to the pipeline, which
// calls a repeat a duplicate and a change a superseded version, in line order.
const VERSIONS = `select *,
    case when rank > 1 and (j ->> '$.id') is not null and (vid, upd) is distinct from (first_value(vid) over newest, first_value(upd) over newest)
      then first_value(source_line) over newest end as newer_line,
    first_value(meta ->> '$.versionId') over newest as newer_version,
    first_value(meta ->> '$.lastUpdated') over newest as newer_updated,
  from (
    select *, j -> '$.meta' as meta, ${VERSION_ID} as vid, ${LAST_UPDATED} as upd,
      row_number() over (partition by j ->> '$.id' order by vid desc nulls last, upd desc nulls last, source_line desc) as rank
    from obs)
  window newest as (partition by j ->> '$.id' order by vid desc nulls last, upd desc nulls last, source_line desc)`;

/** What the survey of a file's lines found (fhir-lines.ts), when it was surveyed. */
export interface FhirLines {
  /** The longest line read, its size in bytes and its number. */
  readonly longest?: { readonly bytes: number; readonly line: number };
  /** Lines too long to read, emptied in the copy staging reads: each is rejected by its number. */
  readonly tooLong?: FhirLineSurvey['tooLong'];
}

/** A whole-file reject whose message is said as it is. */
class FileRejected extends Error {}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Stages one FHIR Observation NDJSON file into staging.raw_laboratoriesvar. Lines that are
 * not JSON objects, or are resources other than Observation, go to meta.rejects with their
 * line number; a file that cannot be read at all becomes one whole-file reject.
 */
export async function stageFhirFile(conn: DuckDBConnection, ctx: StageContext, surveyed: FhirLines = {}): Promise<StageResult> {
  const lines = `fhir_lines_${ctx.seq}`;
  // room for the longest line, when it is known (a buffer of the longest allowed costs its size per file)
  const maxLine = surveyed.longest === undefined ? MAX_FHIR_LINE_BYTES : Math.max(2 << 20, surveyed.longest.bytes + 1024);
  try {
    const wrong = await wrongEncoding(ctx.path, 'utf-8', 'as FHIR requires');
    if (wrong !== null) throw new FileRejected(wrong);
    // variables belong to the connection: fhir_instant() reads it on this one
    await conn.run(`set variable fhir_time_zone = ${sqlString(ctx.timeZone)}`);
    await conn.run(`create or replace temp table ${lines} as
      select ${sqlString(ctx.runId)} as run_id, ${sqlString(ctx.fileHash)} as file_hash, ${sqlString(ctx.file)} as source_file,
        row_number() over () as source_line, j
      from read_csv(${sqlString(literalPath(ctx.path))}, header = false, auto_detect = false, columns = {'j': 'VARCHAR'},
        delim = chr(30), quote = '', escape = '', compression = 'auto', encoding = 'utf-8',
        max_line_size = ${maxLine}, buffer_size = ${maxLine + 1}, parallel = false)`);
    for (const t of surveyed.tooLong ?? []) {
      await conn.run(`insert into meta.rejects values (${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)},
        ${sqlString(ctx.file)}, ${t.line}, null, ${sqlString(`line is ${mb(t.bytes)}, longer than the ${mb(MAX_FHIR_LINE_BYTES)} a line may be to be read within the memory limit: rejected on its own`)},
        ${sqlString(t.head)})`);
    }
    // a UTF-8 byte-order mark would make the first line invalid JSON
    await conn.run(`update ${lines} set j = ltrim(j, chr(65279)) where source_line = 1`);
    // A Bundle among the lines (a search result or a transaction written as one line) holds its
    // resources in entry[].resource: each is read as a line of its own, named
    // <file>#entry[i] (i from 0) at the Bundle's line, as a component is; the Bundle is no result.
    // A Bundle with no resource to read (empty, or a transaction response) stays a line of its own, set apart.
    await conn.run(`insert into ${lines}
      select run_id, file_hash, source_file || '#entry[' || i || ']', source_line, resource
      from (
        select run_id, file_hash, source_file, source_line, unnest(range(len(entries))) as i, unnest(entries) ->> '$.resource' as resource
        from (select *, ${BUNDLE_ENTRIES} as entries from ${lines} where ${IS_BUNDLE}))
      where resource is not null`);
    await conn.run(`delete from ${lines} where ${IS_BUNDLE} and list_bool_or(list_transform(${BUNDLE_ENTRIES}, e -> json_exists(e, '$.resource')))`);
    // so is each element of a JSON array of resources written as one line, named <file>#[i]
    await conn.run(`insert into ${lines}
      select run_id, file_hash, source_file || '#[' || i || ']', source_line, element::varchar
      from (
        select run_id, file_hash, source_file, source_line, unnest(range(len(items))) as i, unnest(items) as element
        from (select *, from_json(j, '["json"]') as items from ${lines} where ${IS_ARRAY}))`);
    await conn.run(`delete from ${lines} where ${IS_ARRAY} and len(from_json(j, '["json"]')) > 0`);
    // a line that is no FHIR resource is rejected; another resource (a bulk export's Patient) is set apart
    await conn.run(`insert into meta.rejects
      select run_id, ${sqlString(ctx.batchId)}, file_hash, source_file, source_line, null,
        case
            when not json_valid(j) then 'line is not valid JSON'
            when json_type(j) <> 'OBJECT' then 'line is JSON but not an object'
            else 'not a FHIR resource: no resourceType'
        end,
        left(j, 200)
      from ${lines}
      where j is not null and trim(j) <> '' and not coalesce(case when ${IS_OBJECT} then (j ->> '$.resourceType') is not null end, false)`);
    await conn.run(`insert into ${FHIR_SET_APART}
      select file_hash, source_file, source_line, ${sqlString(FHIR_OTHER_RESOURCE)}, null, j ->> '$.resourceType', null, null
      from ${lines}
      where coalesce(case when ${IS_OBJECT} then (j ->> '$.resourceType') <> 'Observation' end, false)`);
    const sql = (await readFile(join(sqlDir, 'fhir_observations.sql'), 'utf8')).replace(/;\s*$/, '');
    // an Observation with no category is taken for a lab result (lab-only exports often omit it)
    await conn.run(`create or replace temp table ${lines}_obs as
      with obs as (
        select *, ${CATEGORIES} as categories, ${HAS_VALUE} as has_value from (
          select * replace (${READ_ONLY} as j) from ${lines}
          where coalesce(case when ${IS_OBJECT} then (j ->> '$.resourceType') = 'Observation' end, false)))
      select * exclude (meta, vid, upd, rank, newer_line, newer_version, newer_updated), ${SET_APART_REASON} as set_apart,
        'the newer: ' || coalesce('version ' || newer_version, 'last updated ' || newer_updated) || ' on line ' || newer_line as set_apart_detail
      from (${VERSIONS})`);
    await conn.run(`insert into ${FHIR_SET_APART}
      select file_hash, source_file, source_line, set_apart, nullif(array_to_string(list_distinct(categories), ', '), ''),
        ${CODE}, ${NAME}, set_apart_detail
      from ${lines}_obs where set_apart is not null`);
    await conn.run(`insert into ${FHIR_VERSIONS}
      select file_hash, source_file, source_line, j ->> '$.id', ${VERSION_ID}, ${LAST_UPDATED}, j ->> '$.meta.versionId', j ->> '$.meta.lastUpdated',
        nullif(array_to_string(list_distinct(categories), ', '), ''), ${CODE}, ${NAME}
      from ${lines}_obs where set_apart is null and (j ->> '$.id') is not null`);
    await conn.run(`create or replace temp view fhir_lines as
      select * exclude (set_apart, set_apart_detail) from ${lines}_obs where set_apart is null`);
    await conn.run(`create or replace temp table ${lines}_results as ${sql}`);
    await recordStagedFile(conn, 'laboratoriesvar', [ctx], 'FHIR', null);
    await conn.run(`insert into ${stagingTable('laboratoriesvar')} by name
      select ${ctx.seq} as file_no, * exclude (run_id, file_hash, journal_system, decimal_sep, parent_record_id, category, absent_reason)
      from ${lines}_results`);
    await conn.run(`insert into ${FHIR_RESULTS}
      select file_hash, source_file, source_line, record_id, parent_record_id, category, absent_reason from ${lines}_results`);
    const [counts] = await queryRows<{ staged: bigint; rejected: bigint }>(conn, `select
      (select count(*) from ${lines}_results) as staged,
      (select count(distinct source_line) from meta.rejects where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}) as rejected`);
    const staged = Number(counts!.staged);
    const rejected = Number(counts!.rejected);
    // Observations and other resources told apart, as the terminal and the report tell them
    const [apart] = await queryRows<{ observations: bigint; others: bigint }>(conn, `select
      count(*) filter (where reason <> ${sqlString(FHIR_OTHER_RESOURCE)}) as observations,
      count(*) filter (where reason = ${sqlString(FHIR_OTHER_RESOURCE)}) as others
      from ${FHIR_SET_APART} where file_hash = ${sqlString(ctx.fileHash)}`);
    const observations = Number(apart!.observations);
    const others = Number(apart!.others);
    const warnings = [
      ...(observations ? [`${observations} Observation${observations === 1 ? '' : 's'} set apart as no lab result (another category, withdrawn, cancelled, a panel without a value, an older version): not counted`] : []),
      ...(others ? [`${others} other resource${others === 1 ? '' : 's'} than Observation set apart: not counted`] : []),
    ];
    return { rowsRead: staged + rejected, rowsStaged: staged, rowsRejected: rejected, rowsSetApart: observations + others, warnings };
  } catch (err) {
    // only the error's first line: the reader quotes the offending line after it
    const text = (err as Error).message ?? String(err);
    const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
    const tooLong = /Maximum line size/.test(text) ? /Line: (\d+)/.exec(first) : null;
    const longest = surveyed.longest ? ` (the longest, line ${surveyed.longest.line}, is ${mb(surveyed.longest.bytes)})` : '';
    const message = err instanceof FileRejected
      ? err.message
      : tooLong
        ? `line ${tooLong[1]} is longer than ${mb(maxLine)}, the longest line read: the file is rejected whole`
        : /^Out of Memory Error/.test(first)
          ? `its lines are too large to read within the memory limit${longest} (${first.replace(/^Out of Memory Error: /, '')}): raise memory_limit or split the file`
          : `file could not be read as FHIR NDJSON: ${first.replace(/^[A-Za-z ]+ Error: /, '').slice(0, 300)}`;
    await conn.run(`delete from ${stagingTable('laboratoriesvar')} where file_no = ${ctx.seq}`);
    await conn.run(`delete from ${FHIR_SET_APART} where file_hash = ${sqlString(ctx.fileHash)}`).catch(() => undefined);
    await conn.run(`delete from ${FHIR_RESULTS} where file_hash = ${sqlString(ctx.fileHash)}`).catch(() => undefined);
    await conn.run(`delete from meta.rejects where file_hash = ${sqlString(ctx.fileHash)} and run_id = ${sqlString(ctx.runId)}`);
    await conn.run(`insert into meta.rejects values (${sqlString(ctx.runId)}, ${sqlString(ctx.batchId)}, ${sqlString(ctx.fileHash)},
      ${sqlString(ctx.file)}, null, null, ${sqlString(message)}, null)`);
    return { rowsRead: 0, rowsStaged: 0, rowsRejected: 0, rowsSetApart: 0, fileError: message, warnings: [] };
  } finally {
    await conn.run(`drop view if exists fhir_lines; drop table if exists ${lines}_results; drop table if exists ${lines}_obs; drop table if exists ${lines}`);
  }
}

/** What setApartOlderAcrossFiles took out of one file: result rows (a panel's components each) and Observations. */
export interface OlderElsewhere {
  readonly results: number;
  readonly observations: number;
}

/**
 * An export in parts (a file per day or per site) may hold an Observation's newer version in
 * another file than the older: once every file is staged, the newest version of each
 * Observation across the files is the result and the older ones, in whatever file, are set apart
 * as within a file (the detail names the newer one's file and line), their result rows unstaged.
 * As within a file, versions that are the same, or Observations without any version, are left to
 * the pipeline (a duplicate, a superseded row). Returns what each file (by hash) lost.
 */
export async function setApartOlderAcrossFiles(conn: DuckDBConnection): Promise<Map<string, OlderElsewhere>> {
  await conn.run(`create or replace temp table fhir_older_elsewhere as
    select * from (
      select *,
        first_value(version_id) over newest as newest_version, first_value(last_updated) over newest as newest_updated,
        first_value(file_hash) over newest as newer_hash, first_value(source_file) over newest as newer_file,
        first_value(source_line) over newest as newer_line, first_value(version_text) over newest as newer_version_text,
        first_value(updated_text) over newest as newer_updated_text,
      from ${FHIR_VERSIONS}
      window newest as (partition by observation_id order by version_id desc nulls last, last_updated desc nulls last, source_file, source_line))
    where newer_hash <> file_hash and (version_id, last_updated) is distinct from (newest_version, newest_updated)`);
  const lost = await queryRows<{ file_hash: string; results: bigint; observations: bigint }>(conn, `select o.file_hash,
      (select count(*) from ${stagingTable('laboratoriesvar')} as r join ${STAGED_FILES} as f using (file_no)
        where f.file_hash = o.file_hash and r.source_line in (select source_line from fhir_older_elsewhere as x where x.file_hash = o.file_hash)) as results,
      count(*) as observations
    from fhir_older_elsewhere as o group by o.file_hash`);
  if (lost.length > 0) {
    await conn.run(`insert into ${FHIR_SET_APART}
      select file_hash, source_file, source_line, 'an older version (another file holds a newer one)', category, code, name,
        'the newer: ' || coalesce('version ' || newer_version_text, 'last updated ' || newer_updated_text) || ' in ' || newer_file || ' on line ' || newer_line
      from fhir_older_elsewhere;
      delete from ${stagingTable('laboratoriesvar')} as r using ${STAGED_FILES} as f, fhir_older_elsewhere as o
        where f.file_no = r.file_no and o.file_hash = f.file_hash and o.source_line = r.source_line;
      delete from ${FHIR_RESULTS} as r using fhir_older_elsewhere as o where o.file_hash = r.file_hash and o.source_line = r.source_line`);
  }
  await conn.run('drop table fhir_older_elsewhere');
  return new Map(lost.map((l) => [l.file_hash, { results: Number(l.results), observations: Number(l.observations) }]));
}
