// lab-quality on extracts written the way other systems write them: a de-identified hospital
// export (dates shifted 150 years ahead, local item codes with a dictionary file, no clinic, a
// text value column holding ___ where the value was removed and a numeric column beside it,
// New York local times) and a FHIR bulk export (urn:uuid references, vital signs beside lab
// results). Every expected figure is worked out by hand from the rows written here.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheckMapping, runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { exitCodeOf } from '../../jobs/exit-codes.ts';
import { ConfigError } from '../../config/errors.ts';
import { queryRows, sqlIdent, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { workspace, type Workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });
// the machine's clock: every shifted date lies after it
const CLOCK = new Date('2026-12-05T08:00:00Z');

const DICTIONARY = `code,label,fluid
50931,Glucose,Blood
50971,Potassium,Blood
51221,Hematocrit,Blood
`;

// id 2 and 5: the text value was removed (___), the number is still there; id 4: no value at all
// and the result stored before the sample was taken; id 3 in summer (EDT, UTC-4), the others in
// winter (EST, UTC-5); id 3 (above its interval) and id 5 (inside it) flagged "abnormal".
const LABEVENTS = `labevent_id,subject_id,itemid,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag
1,10001,50931,2180-03-01 08:00:00,2180-03-01 09:00:00,95,95,mg/dL,70,100,
2,10001,50971,2180-03-01 08:00:00,2180-03-01 09:30:00,___,4.1,mEq/L,3.3,5.1,
3,10002,50931,2180-07-15 23:30:00,2180-07-16 00:10:00,180,180,mg/dL,70,100,abnormal
4,10002,50971,2180-07-16 10:00:00,2180-07-16 09:00:00,,,mEq/L,3.3,5.1,
5,10003,51221,2180-01-10 12:00:00,2180-01-10 13:00:00,___,38.5,%,36,48,abnormal
`;

const mappingYaml = (top: string, extraColumns = '') => `system: Hospital export
time_zone: America/New_York
absent: ["___"]
${top}
deliveries:
  - kind: laboratoriesvar
    files: "labevents*.csv"
    format: csv
    timestamps: "%Y-%m-%d %H:%M:%S"
    columns:
      record_id: labevent_id
      patient: subject_id
      clinic: none
      analysis_code: itemid
      analysis_name: { lookup: dictionary.csv, on: code, take: label }
      code_system: { value: local }
      value: [value, valuenum]
      unit: valueuom
      ref_low: ref_range_lower
      ref_high: ref_range_upper
      abnormal_flag: flag
      sampled_at: charttime
      resulted_at: storetime
${extraColumns}`;

async function hospital(ws: Workspace, top: string, extraColumns = ''): Promise<string> {
  await ws.put('export/labevents.csv', LABEVENTS);
  await ws.put('mapping/dictionary.csv', DICTIONARY);
  return ws.put('mapping/hospital.yaml', mappingYaml(top, extraColumns));
}

async function findingsOf(out: string): Promise<Map<string, string[]>> {
  return withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
    const rows = await queryRows<{ record_key: string; check_id: string }>(conn,
      `select record_key, check_id from quality.row_findings order by record_key, check_id`);
    const m = new Map<string, string[]>();
    for (const r of rows) m.set(r.record_key.replace(/^.*:/, ''), [...(m.get(r.record_key.replace(/^.*:/, '')) ?? []), r.check_id]);
    return m;
  });
}

/** flagged-rows.csv as a reader sees it (DuckDB's CSV reader): its header, and each row's times by record id. */
async function flaggedCsvOf(file: string, zone = 'America/New_York'): Promise<{ columns: string[]; times: Map<string, [string, string]> }> {
  return withDatabase(':memory:', async (_db, conn) => {
    const columns = (await queryRows<{ column_name: string }>(conn, `describe select * from read_csv(${sqlString(file)}, all_varchar = true)`))
      .map((c) => c.column_name);
    const rows = await queryRows<{ k: string; s: string; r: string }>(conn, `
      select record_key as k, ${sqlIdent(`sampled_at (${zone})`)} as s, ${sqlIdent(`resulted_at (${zone})`)} as r
      from read_csv(${sqlString(file)}, all_varchar = true) order by k`);
    return { columns, times: new Map(rows.map((r) => [r.k.replace(/^.*:/, ''), [r.s, r.r]])) };
  });
}

describe('lab-quality on a de-identified hospital export with shifted dates', () => {
  let ws: Workspace;
  let out: string;
  let result: LabQualityResult;
  let mappingFile: string;

  beforeAll(async () => {
    ws = await workspace();
    mappingFile = await hospital(ws, 'dates_shifted: true');
    out = join(ws.root, 'out');
    result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping: mappingFile, out, now: CLOCK, logger: silent });
  });

  it('reads every row through the computed columns: lookup, first present value, constant, no clinic', async () => {
    expect(result.files).toEqual([{ file: 'labevents.csv', role: 'delivery', system: 'Hospital export', read: 5, rejected: 0, error: null }]);
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<Record<string, unknown>>(conn, `
      select record_id, source_line, patient, clinic, analysis_code, analysis_name, code_system, value_text, value_state, value_num,
        strftime(sampled_at, '%Y-%m-%d %H:%M') as sampled_utc, strftime(resulted_at, '%Y-%m-%d %H:%M') as resulted_utc
      from lab.results order by record_id`));
    expect(rows).toEqual([
      // 08:00 EST = 13:00 UTC
      { record_id: '1', source_line: 2n, patient: '10001', clinic: '(no clinic)', analysis_code: '50931', analysis_name: 'Glucose', code_system: 'local', value_text: '95', value_state: 'numeric', value_num: 95, sampled_utc: '2180-03-01 13:00', resulted_utc: '2180-03-01 14:00' },
      // ___ is absent: the number is taken
      { record_id: '2', source_line: 3n, patient: '10001', clinic: '(no clinic)', analysis_code: '50971', analysis_name: 'Potassium', code_system: 'local', value_text: '4.1', value_state: 'numeric', value_num: 4.1, sampled_utc: '2180-03-01 13:00', resulted_utc: '2180-03-01 14:30' },
      // 23:30 EDT = 03:30 UTC the next day
      { record_id: '3', source_line: 4n, patient: '10002', clinic: '(no clinic)', analysis_code: '50931', analysis_name: 'Glucose', code_system: 'local', value_text: '180', value_state: 'numeric', value_num: 180, sampled_utc: '2180-07-16 03:30', resulted_utc: '2180-07-16 04:10' },
      { record_id: '4', source_line: 5n, patient: '10002', clinic: '(no clinic)', analysis_code: '50971', analysis_name: 'Potassium', code_system: 'local', value_text: null, value_state: 'unparseable', value_num: null, sampled_utc: '2180-07-16 14:00', resulted_utc: '2180-07-16 13:00' },
      { record_id: '5', source_line: 6n, patient: '10003', clinic: '(no clinic)', analysis_code: '51221', analysis_name: 'Hematocrit', code_system: 'local', value_text: '38.5', value_state: 'numeric', value_num: 38.5, sampled_utc: '2180-01-10 17:00', resulted_utc: '2180-01-10 18:00' },
    ]);
  });

  it('judges only the order of shifted times: nothing is in the future, one result before its sample', async () => {
    const f = await findingsOf(out);
    const all = [...f.values()].flat();
    expect(all.filter((c) => c.includes('future'))).toEqual([]);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.time_order')).map(([k]) => k)).toEqual(['4']);
    // shown in the mapping's zone: the file's own local times, not UTC (13:00 / 14:00)
    const detail = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) =>
      queryRows<{ detail: string }>(conn, `select detail from lab.row_findings where check_name = 'time_order'`));
    expect(detail).toEqual([{ detail: 'result time 2180-07-16 09:00 is before the sampling time 2180-07-16 10:00 (America/New_York)' }]);
    // no clinic: no SOR code format or register finding for any row
    expect(all.filter((c) => c.includes('sor') || c.includes('clinic'))).toEqual([]);
  });

  it('writes the flagged rows\' times in flagged-rows.csv as the export\'s New York clock times, the zone in the header', async () => {
    const csv = await flaggedCsvOf(result.outputs.flaggedCsv);
    expect(csv.columns).toContain('sampled_at (America/New_York)');
    expect(csv.columns).toContain('resulted_at (America/New_York)');
    expect(csv.columns).not.toContain('sampled_at');
    // rows 4 (no value, resulted before sampled) and 5 (flag) are flagged; row 4 in summer (EDT),
    // row 5 in winter (EST): exactly the times in LABEVENTS. Rows 1-3 have no finding: their
    // patient ids (10001) are the export's own, not judged by the journal systems' format
    expect(csv.times).toEqual(new Map([
      ['4', ['2180-07-16 10:00:00-04:00', '2180-07-16 09:00:00-04:00']],
      ['5', ['2180-01-10 12:00:00-05:00', '2180-01-10 13:00:00-05:00']],
    ]));
    // the Parquet file keeps the instants: 10:00 EDT is 14:00 UTC, 12:00 EST 17:00 UTC
    const parquet = await withDatabase(':memory:', (_db, conn) => queryRows<{ k: string; t: string; s: string }>(conn, `
      select record_key as k, typeof(sampled_at) as t, strftime(timezone('UTC', sampled_at), '%Y-%m-%d %H:%M') as s
      from read_parquet(${sqlString(result.outputs.flaggedParquet)}) order by k`));
    expect(parquet.map((r) => [r.k.replace(/^.*:/, ''), r.t, r.s])).toEqual([
      ['4', 'TIMESTAMP WITH TIME ZONE', '2180-07-16 14:00'],
      ['5', 'TIMESTAMP WITH TIME ZONE', '2180-01-10 17:00'],
    ]);
  });

  it('judges the export\'s own patient ids by no pseudonym format, and says so', async () => {
    const f = await findingsOf(out);
    expect([...f.values()].flat().filter((c) => c.endsWith('pseudonym_format'))).toEqual([]);
    expect(result.outputs.text).toContain("Patient identifiers of Hospital export are the extract's own: not judged by the journal systems' pseudonym format.");
  });

  it('reads "abnormal" as a flag that agrees with a value outside the interval and not with one inside', async () => {
    const f = await findingsOf(out);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.flag_inconsistent')).map(([k]) => k)).toEqual(['5']);
  });

  it('gives the results outside the delivered reference interval per analysis, and how many are flagged', () => {
    // glucose 95 and 180 against 70..100 (180 flagged); potassium 4.1 against 3.3..5.1 (row 4 has no
    // value); hematocrit 38.5 against 36..48
    expect(result.outputs.summary.outsideReference).toEqual([
      { analysis: '50931', name: 'Glucose', withInterval: 2, below: 0, above: 1, outsideFlagged: 1 },
      { analysis: '50971', name: 'Potassium', withInterval: 1, below: 0, above: 0, outsideFlagged: 0 },
      { analysis: '51221', name: 'Hematocrit', withInterval: 1, below: 0, above: 0, outsideFlagged: 0 },
    ]);
  });

  it('counts each field present in all results and per journal system', () => {
    // 5 results of one system; no clinic; no ref_text or result_status column in the export;
    // row 4 has neither value nor valuenum; rows 3 and 5 are flagged
    const of = (field: string) => result.outputs.summary.completeness.filter((c) => c.field === field).map((c) => [c.system, c.rows, c.present]);
    const both = (present: number) => [['(all)', 5, present], ['Hospital export', 5, present]];
    for (const field of ['record_id', 'patient', 'analysis_code', 'analysis_name', 'unit', 'ref_low', 'ref_high', 'sampled_at', 'resulted_at']) {
      expect({ field, counts: of(field) }).toEqual({ field, counts: both(5) });
    }
    expect(of('value_text')).toEqual(both(4));
    expect(of('abnormal_flag')).toEqual(both(2));
    for (const field of ['sor_code', 'ref_text', 'result_status']) expect({ field, counts: of(field) }).toEqual({ field, counts: both(0) });
    expect(result.outputs.summary.completeness).toHaveLength(14 * 2);
  });

  it('calls the clinic\'s completeness not applicable in the report, since the mapping says the extract names none', async () => {
    const html = await readFile(result.outputs.report, 'utf8');
    const row = html.match(/<tr><t[hd][^>]*>sor_code<\/t[hd]>(.*?)<\/tr>/s);
    expect(row?.[1]).toMatch(/not applicable.*not applicable/s);
    expect(row?.[1]).not.toMatch(/0(\.0)?\s*%/);
  });

  it('counts usable results per analysis, system and clinic, the same with and without a kept database', async () => {
    // glucose rows 1 and 3, potassium rows 2 and 4 (4 has no value), hematocrit row 5; one system, no clinic
    const groups = (s: LabQualityResult['outputs']['summary']) => ({
      analysis: s.byAnalysis.map((g) => [g.key, g.label, g.rows, g.usable, g.unusable]),
      system: s.bySystem.map((g) => [g.key, g.rows, g.usable, g.unusable]),
      clinic: s.byClinic.map((g) => [g.key, g.rows, g.usable, g.unusable]),
    });
    expect(groups(result.outputs.summary)).toEqual({
      analysis: [['50931', 'Glucose', 2, 2, 0], ['50971', 'Potassium', 2, 1, 1], ['51221', 'Hematocrit', 1, 1, 0]],
      system: [['Hospital export', 5, 4, 1]],
      clinic: [['(no clinic)', 5, 4, 1]],
    });
    const again = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping: mappingFile, out: join(ws.root, 'out-not-kept'), now: CLOCK, logger: silent });
    expect(again.outputs.summary).toEqual(result.outputs.summary);
  });

  it('calls an empty value missing, not unparseable', async () => {
    const f = await findingsOf(out);
    expect(f.get('4')).toContain('lab.value_missing');
    expect([...f.values()].flat()).not.toContain('lab.value_unparseable');
  });

  it('counts 4 of 5 usable, and says how it judged in the first lines', async () => {
    const s = result.outputs.summary;
    expect([s.rowsRead, s.usable, s.unusable]).toEqual([5, 4, 1]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs.text).toMatch(/^Dates declared shifted/m);
    expect(result.outputs.text).toContain('America/New_York');
    expect(result.outputs.text).toContain('names no clinic');
    const html = await readFile(result.outputs.report, 'utf8');
    expect(html.indexOf('Dates declared shifted')).toBeGreaterThan(0);
    expect(html.indexOf('Dates declared shifted')).toBeLessThan(html.indexOf('Lab results read'));
    expect(html).toContain('Not applicable: the extract names no clinic.');
    expect(html).not.toContain('No clinic has 5 or more');
  });
});

describe('lab-quality as of a date', () => {
  it('does not say a time after the as-of date is in the future when the dates are declared shifted', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, asOf: new Date('2180-05-01T00:00:00Z'), logger: silent });
    expect(result.outputs.text.split('\n')[0]).toBe('Evaluated as of 2180-05-01 (--as-of).');
    expect(result.outputs.text).not.toContain('is in the future');
    expect(result.outputs.text).toContain('no time is called "in the future"');
  });

  it('calls times after the as-of date future and, with no delivery time given, judges result times against the as-of date', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, '');
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true,
      extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, asOf: new Date('2180-05-01T00:00:00Z'), logger: silent,
    });
    const f = await findingsOf(out);
    // rows 3 and 4 are sampled in July 2180, after 1 May 2180; the others before
    const future = [...f.entries()].filter(([, c]) => c.includes('lab.time_future')).map(([k]) => k);
    expect(future).toEqual(['3', '4']);
    // row 3's result time is after the delivery (the as-of date); row 4's before its sample
    expect([...f.entries()].filter(([, c]) => c.includes('lab.time_order')).map(([k]) => k)).toEqual(['3', '4']);
    const delivered = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) =>
      queryRows<{ d: string }>(conn, `select strftime(delivered_at, '%Y-%m-%d %H:%M') as d from lab.inputs`));
    expect(delivered).toEqual([{ d: '2180-05-01 00:00' }]);
    expect(result.outputs.summary.usable).toBe(3);
    expect(result.outputs.text).toContain('Evaluated as of 2180-05-01 (--as-of)');
  });

  it('exits non-zero and says why first when nothing is usable (every date in the future of the clock)', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, '');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.outputs.summary.usable).toBe(0);
    expect(result.exitCode).toBe(1);
    // and names the cause: every date lies after the evaluation's clock
    expect(result.outputs.text.split('\n')[0]).toBe('NOT USABLE: nothing is usable: 0 of 5 lab results; every unusable one has lab.time_future: the sampling or result time is in the future (sampled_at)');
    const html = await readFile(result.outputs.report, 'utf8');
    expect(html).toContain('Not usable as it stands');
  });
});

describe('a Latin-1 export written by Windows', () => {
  it('reads a file with Windows-1252 bytes (an en dash, a euro sign) through the computed columns, as staging reads one', async () => {
    const ws = await workspace();
    await hospital(ws, 'dates_shifted: true');
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true').replace('    format: csv\n', '    format: csv\n    encoding: latin-1\n'));
    // an extra column the mapping does not read, holding 0x96 (en dash) and 0x80 (euro sign)
    const lines = LABEVENTS.trim().split('\n').map((l, i) => `${l},${i === 0 ? 'comment' : i === 2 ? 'repeat \u2013 120 \u20ac' : ''}`);
    await ws.put('export/labevents.csv', Buffer.from(Array.from(`${lines.join('\n')}\n`, (ch) => (ch === '\u2013' ? 0x96 : ch === '\u20ac' ? 0x80 : ch.charCodeAt(0)))));
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.files).toEqual([{ file: 'labevents.csv', role: 'delivery', system: 'Hospital export', read: 5, rejected: 0, error: null }]);
    expect(result.outputs.summary.usable).toBe(4);
  });
});

describe('a UTF-8 export its mapping declares Latin-1', () => {
  it('is read as UTF-8 through the computed columns, saying so: units and names as written', async () => {
    const ws = await workspace();
    await hospital(ws, 'dates_shifted: true');
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true').replace('    format: csv\n', '    format: csv\n    encoding: latin-1\n'));
    // creatinine in µmol/L, written by a program that saves UTF-8
    const lines = [...LABEVENTS.trim().split('\n'), '6,10004,50912,2180-03-02 08:00:00,2180-03-02 09:00:00,88,88,µmol/L,60,105,'];
    await ws.put('mapping/dictionary.csv', `${DICTIONARY}50912,Kreatinin – P,Blood\n`);
    await ws.put('export/labevents.csv', Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    expect(result.outputs.text).toContain('labevents.csv: read as UTF-8: the file its layout declares Latin-1 is valid UTF-8');
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ unit: string; analysis_name: string }>(conn,
      `select unit, analysis_name from lab.results where analysis_code = '50912'`));
    expect(rows).toEqual([{ unit: 'µmol/L', analysis_name: 'Kreatinin – P' }]);
  });
});

describe('Latin-1 exports with UTF-8 lines among theirs', () => {
  it('reads two of one name in two folders each from its own copy: every row of both counted once', async () => {
    const ws = await workspace();
    await hospital(ws, 'dates_shifted: true');
    await rm(join(ws.inbox, 'export/labevents.csv'));
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true')
      .replace('    format: csv\n', '    format: csv\n    encoding: latin-1\n').replace('files: "labevents*.csv"', 'files: "**/labevents*.csv"'));
    const [header, ...rows] = LABEVENTS.trim().split('\n');
    // a: rows 1-3 Latin-1 (a µ in the flag column), rows 4-5 UTF-8; b: other ids, the other way round
    const part = (lines: string[], enc: BufferEncoding) => Buffer.from(`${lines.join('\n')}\n`, enc);
    const mark = (l: string, t: string) => `${l.replace(/,[^,]*$/, ',')}${t}`;
    await ws.put('export/a/labevents.csv', Buffer.concat([part([header!, ...rows.slice(0, 3).map((l) => mark(l, 'µ'))], 'latin1'), part(rows.slice(3).map((l) => mark(l, 'æ')), 'utf8')]));
    const other = rows.map((l) => l.replace(/^(\d+),/, (_m, id: string) => `${Number(id) + 100},`));
    await ws.put('export/b/labevents.csv', Buffer.concat([part([header!, ...other.slice(0, 2).map((l) => mark(l, 'æ'))], 'utf8'), part(other.slice(2).map((l) => mark(l, 'µ')), 'latin1')]));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    expect(result.ignored).toEqual([]);
    expect(result.files.map((f) => [f.file, f.read]).sort()).toEqual([['a/labevents.csv', 5], ['b/labevents.csv', 5]]);
    const flags = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; abnormal_flag: string }>(conn,
      `select record_id, abnormal_flag from lab.results order by record_id::int`));
    expect(flags.map((f) => `${f.record_id}${f.abnormal_flag}`)).toEqual(['1µ', '2µ', '3µ', '4æ', '5æ', '101æ', '102æ', '103µ', '104µ', '105µ']);
  });
});

// Excel saves a sheet with empty columns to the right of the data as ";;;" at the end of every
// line, the header included: columns without a name, which no mapping reads.
describe('an export saved from Excel with empty columns after the data', () => {
  it('reads every row and checks the mapping, the unnamed columns ignored', async () => {
    const ws = await workspace();
    const bom = '\uFEFF';
    const rows = [
      'Løbenr;Patient-ID;Analysekode;Værdi;Enhed;Prøvetidspunkt;Svartidspunkt;;;',
      '1;P0001;NPU02319;8,4;mmol/L;03-03-2025 09:10;03-03-2025 10:02;;;',
      '2;P0002;NPU02319;9,1;mmol/L;03-03-2025 09:20;03-03-2025 10:02;;;',
      '3;P0003;NPU19748;12;mg/L;04-03-2025 08:00;04-03-2025 09:00;;;',
    ];
    const file = await ws.put('export/lab_eksport.csv', `${bom}${rows.join('\r\n')}\r\n`);
    const mapping = await ws.put('mapping/excel.yaml', [
      'system: Excel export', 'time_zone: Europe/Copenhagen',
      'defaults: { format: csv, encoding: utf-8, delimiter: ";", decimal: ",", dates: "%d-%m-%Y", timestamps: "%d-%m-%Y %H:%M" }',
      'deliveries:', '  - kind: laboratoriesvar', '    files: "lab_eksport*.csv"', '    columns:',
      '      record_id: Løbenr', '      patient: Patient-ID', '      clinic: none', '      analysis_code: Analysekode',
      '      code_system: { value: NPU }', '      value: Værdi', '      unit: Enhed', '      sampled_at: Prøvetidspunkt', '      resulted_at: Svartidspunkt', '',
    ].join('\n'));
    const checked = await runCheckMapping({ extracts: [file], mapping });
    expect(checked.exitCode).toBe(0);
    expect(checked.text).toContain('8,4');
    const result = await runLabQuality({ extracts: [file], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.files).toEqual([expect.objectContaining({ file: 'lab_eksport.csv', read: 3, rejected: 0, error: null })]);
    expect(result.outputs.summary.usable).toBe(3);
  });
});

// An export that writes UTC times with ISO 8601's designator (2025-03-10T10:00:00Z), its
// mapping's format ending in a literal Z: the times are UTC, whatever the mapping's time zone.
describe('times written in UTC with a Z', () => {
  it('reads them as UTC, not as the local times of the configured zone', async () => {
    const ws = await workspace();
    await ws.put('export/results.csv', ['Id,Pt,Code,Val,Unit,Taken,Answered',
      'r1,P-1,HB-L,8.1,mmol/L,2025-03-10T10:00:00Z,2025-03-10T11:30:00Z', 'r2,P-2,HB-L,8.2,mmol/L,2025-07-01T06:00:00Z,2025-07-01T06:45:00Z', ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'time_zone: Europe/Copenhagen', 'deliveries:', '  - kind: laboratoriesvar',
      '    files: "results*.csv"', '    format: csv', '    timestamps: "%Y-%m-%dT%H:%M:%SZ"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit, sampled_at: Taken, resulted_at: Answered }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const times = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; sampled: string; resulted: string }>(conn,
      `select record_id, strftime(sampled_at at time zone 'UTC', '%Y-%m-%d %H:%M') as sampled, strftime(resulted_at at time zone 'UTC', '%Y-%m-%d %H:%M') as resulted
       from lab.results order by record_id`));
    expect(times).toEqual([
      { record_id: 'r1', sampled: '2025-03-10 10:00', resulted: '2025-03-10 11:30' },
      { record_id: 'r2', sampled: '2025-07-01 06:00', resulted: '2025-07-01 06:45' },
    ]);
  });
});

// The figures that describe values count each measurement once: a result sent three times is one
// value, and the value of a version a correction replaced is none the laboratory stands by.
describe('distributions over an extract with re-sends and corrections', () => {
  it('counts each measurement once in the code profiles and the outside-interval figures', async () => {
    const ws = await workspace();
    const row = (id: string, value: string) => `${id},P-${id},GLU,${value},mmol/L,4,6`;
    const rows = ['Id,Pt,Code,Val,Unit,Lo,Hi', row('g2', '9.9')];
    for (let i = 1; i <= 18; i++) rows.push(row(`g${i}`, `5.${String(i).padStart(2, '0')}`));
    rows.push(row('g1', '5.01'), row('g1', '5.01'));
    // g2's first line (9.9, above 6) is corrected by its later line (5.02); g1 comes three times
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit, ref_low: Lo, ref_high: Hi }', ''].join('\n'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    const s = result.outputs.summary;
    expect(s.rowsRead).toBe(21);
    expect(s.checks.filter((c) => c.checkId.startsWith('pipeline.')).map((c) => [c.checkId, c.rows]).sort()).toEqual([['pipeline.duplicate', 2], ['pipeline.superseded', 1]]);
    expect(s.codeProfiles.map((p) => [p.analysis, p.results, p.numeric])).toEqual([['GLU', 18, 18]]);
    expect(s.outsideReference).toEqual([expect.objectContaining({ analysis: 'GLU', withInterval: 18, below: 0, above: 0 })]);
  });
});

// Many exports give the reference interval as one text column ('7,3-10,5', '4,2 - 6,3', '< 10'),
// not as two numbers: it is still the interval the result was judged against.
describe('a reference interval delivered only as text', () => {
  it('reads its limits, judges the flag against them, and counts the results outside', async () => {
    const ws = await workspace();
    const rows = ['Id;Pt;Code;Val;Unit;Ref;Flag',
      'h1;P-1;NPU02319;8,4;mmol/L;7,3-10,5;', 'h2;P-2;NPU02319;6,9;mmol/L;7,3 - 10,5;L', 'h3;P-3;NPU02319;10,9;mmol/L;7,3–10,5;',
      'c1;P-4;NPU19748;12;mg/L;< 10;H', 'c2;P-5;NPU19748;3;mg/L;<10;', 'k1;P-6;NPU18016;55;µmol/L;> 60;',
      'n1;P-7;NPU03429;140;mmol/L;se tekst;', 'n2;P-8;NPU03429;141;mmol/L;4-6 (kvinder), 5-7 (mænd);'];
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    delimiter: ";"', '    decimal: ","',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit, ref_text: Ref, abnormal_flag: Flag }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const limits = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; ref_low: number | null; ref_high: number | null; ref_text: string }>(conn,
      'select record_id, ref_low, ref_high, ref_text from lab.results order by record_id'));
    expect(limits.map((r) => [r.record_id, r.ref_low, r.ref_high])).toEqual([
      ['c1', null, 10], ['c2', null, 10], ['h1', 7.3, 10.5], ['h2', 7.3, 10.5], ['h3', 7.3, 10.5], ['k1', 60, null], ['n1', null, null], ['n2', null, null],
    ]);
    // the text stays as delivered
    expect(limits.find((r) => r.record_id === 'h2')!.ref_text).toBe('7,3 - 10,5');
    const f = await findingsOf(out);
    // h3 above without a flag, k1 below without one; h2 (L) and c1 (H) flagged their way
    expect([...f.entries()].filter(([, c]) => c.includes('lab.flag_inconsistent')).map(([k]) => k).sort()).toEqual(['h3', 'k1']);
    const byCode = new Map(result.outputs.summary.outsideReference.map((o) => [o.analysis, o]));
    expect(byCode.get('NPU02319')).toMatchObject({ withInterval: 3, below: 1, above: 1, outsideFlagged: 1 });
    expect(byCode.get('NPU19748')).toMatchObject({ withInterval: 2, below: 0, above: 1, outsideFlagged: 1 });
    expect(byCode.get('NPU18016')).toMatchObject({ withInterval: 1, below: 1, above: 0, outsideFlagged: 0 });
    expect(byCode.has('NPU03429')).toBe(false);
  });
});

describe('honest outputs', () => {
  it('exits non-zero and names the file first when a file is rejected whole', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    await ws.put('export/labevents-2.csv', '');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.text.split('\n')[0]).toBe('NOT USABLE: labevents-2.csv was rejected whole: empty file: no header line');
    expect(result.outputs.summary.usable).toBe(4);
  });

  it('judges no flag and counts nothing outside against an interval whose limits are reversed', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    // a glucose of 80 against 100..70 (the limits swapped): the interval is invalid, and the value
    // neither below nor above it, flagged or not
    await ws.put('export/labevents-2.csv', `${LABEVENTS.split('\n')[0]}\n8,10009,50931,2180-03-02 08:00:00,2180-03-02 09:00:00,80,80,mg/dL,100,70,\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const findings = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ check_name: string }>(conn,
      `select check_name from lab.row_findings where source_file = 'labevents-2.csv' order by check_name`));
    // (and one that differs from the extract's usual 70..100 for glucose)
    expect(findings.map((f) => f.check_name)).toEqual(['reference_invalid', 'reference_unstable']);
    const glucose = result.outputs.summary.outsideReference.find((o) => o.analysis === '50931')!;
    // the two glucoses of labevents.csv with 70..100: 95 inside, 180 above
    expect(glucose).toMatchObject({ withInterval: 2, below: 0, above: 1 });
  });

  it('counts a result outside its interval as flagged only when its flag points that way', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    // glucose against 70..100: above with H, below with H (contradicts), below with L, above with
    // "abnormal", inside with H, below without a flag
    const rows = [['150', 'H'], ['50', 'H'], ['50', 'L'], ['150', 'abnormal'], ['85', 'H'], ['50', '']].map(([v, f], i) =>
      `${i + 1},1000${i},50931,2180-03-01 08:00:00,2180-03-01 09:00:00,${v},${v},mg/dL,70,100,${f}`);
    await ws.put('export/labevents.csv', `${LABEVENTS.split('\n')[0]}\n${rows.join('\n')}\n`);
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.outputs.summary.outsideReference).toEqual([
      { analysis: '50931', name: 'Glucose', withInterval: 6, below: 3, above: 2, outsideFlagged: 3 },
    ]);
  });

  it('takes a result in the hour the clocks go back for the second pass of that hour when only that puts it after its sample', async () => {
    const ws = await workspace();
    const sor = '61741000016007';
    // Copenhagen went back from 03:00 CEST to 02:00 CET on 27 October 2024: 02:10 came twice
    const rows = [['a1', '27.10.2024 02:30', '27.10.2024 02:10'], ['a2', '27.10.2024 01:50', '27.10.2024 01:30'],
      ['a3', '20.10.2024 02:30', '20.10.2024 02:10'], ['a4', '27.10.2024 02:50', '27.10.2024 03:05']]
      .map(([id, s, r]) => `${id};${sor};P1;NPU02319;8,4;mmol/L;${s};${r}`);
    await ws.put('export/results.csv', `Id;Sor;Pt;Code;Val;Unit;Taget;Svar\n${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'time_zone: Europe/Copenhagen', 'deliveries:', '  - kind: laboratoriesvar',
      '    files: "results*.csv"', '    format: csv', '    delimiter: ";"', '    decimal: ","', '    timestamps: "%d.%m.%Y %H:%M"',
      '    columns: { record_id: Id, clinic: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit, sampled_at: Taget, resulted_at: Svar }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const f = await findingsOf(out);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.time_order')).map(([k]) => k)).toEqual(['a2', 'a3']);
  });

  it('writes a converted value in flagged-rows.csv to 12 significant digits, not with the double\'s noise', async () => {
    const ws = await workspace();
    // haemoglobin 14 g/dL x 0.6206 = 8.6884 mmol/L, which a double holds as 8.688400000000001; an
    // interval with its limits reversed: flagged
    await ws.put('export/results.csv', 'Id,Sor,Pt,Code,Val,Unit,Lo,Hi\nr1,61741000016007,P1,NPU02319,14,g/dL,16,12\n');
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"',
      '    format: csv', '    columns: { record_id: Id, clinic: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit, ref_low: Lo, ref_high: Hi }', ''].join('\n'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    const [header, row] = (await readFile(result.outputs.flaggedCsv, 'utf8')).split('\n');
    expect(row!.split(',')[header!.split(',').indexOf('value_canonical')]).toBe('8.6884');
  });

  it('keeps the results rejected while reading in the groups, so that each group dimension adds up', async () => {
    const ws = await workspace();
    // five results of two analyses, and a sixth line cut short: rejected while reading, its analysis unknown
    const sor = '61741000016007';
    await ws.put('export/results.csv', ['Id,Sor,Pt,Code,Val,Unit', `r1,${sor},P1,GLU,5.1,mmol/L`, `r2,${sor},P1,K,4.1,mmol/L`,
      `r3,${sor},P2,GLU,6.0,mmol/L`, `r4,${sor},P2,K,3.9,mmol/L`, `r5,${sor},P3,GLU,7.2,mmol/L`, 'r6,P3', ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"',
      '    format: csv', '    columns: { record_id: Id, clinic: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit }', ''].join('\n'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    const s = result.outputs.summary;
    expect([s.rowsRead, s.rejected]).toEqual([6, 1]);
    for (const groups of [s.byAnalysis, s.bySystem, s.byClinic]) {
      expect(groups.reduce((n, g) => n + g.rows, 0)).toBe(6);
      expect(groups.reduce((n, g) => n + g.rejected, 0)).toBe(1);
    }
    expect(s.byAnalysis.map((g) => [g.key, g.rows, g.rejected])).toEqual([['GLU', 3, 0], ['K', 2, 0], ['(none)', 1, 1]]);
  });

  it('reads a file delivered twice with the same content once, gzipped or not, and says so', async () => {
    const ws = await workspace();
    await hospital(ws, 'dates_shifted: true');
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true').replace('files: "labevents*.csv"', 'files: "labevents*.csv*"'));
    // the same five results again under another name, and a sixth result in a file of its own
    await ws.put('export/labevents (copy).csv', LABEVENTS);
    // and gzipped (put() compresses a .gz name)
    await ws.put('export/labevents.csv.gz', LABEVENTS);
    await ws.put('export/labevents-2.csv', `${LABEVENTS.split('\n')[0]}\n6,10004,50931,2180-03-02 08:00:00,2180-03-02 09:00:00,90,90,mg/dL,70,100,\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const s = result.outputs.summary;
    expect([s.rowsRead, s.usable, s.unusable, s.rejected]).toEqual([6, 5, 1, 0]);
    // which of the two is read is the order the folder lists them in
    const read = result.files.find((f) => f.file !== 'labevents-2.csv')!;
    expect(result.files.map((f) => [f.file, f.read]).sort()).toEqual([['labevents-2.csv', 1], [read.file, 5]].sort());
    expect(result.ignored).toHaveLength(2);
    const copies = result.ignored.filter((i) => !i.file.endsWith('.gz'));
    const zipped = result.ignored.find((i) => i.file.endsWith('.gz'))!;
    expect([read.file, ...copies.map((c) => c.file)].sort()).toEqual(['labevents (copy).csv', 'labevents.csv']);
    expect(copies[0]!.reason).toBe(`same content as ${read.file} (SHA-256): read once`);
    expect(zipped).toEqual({ file: 'labevents.csv.gz', reason: `same content as ${read.file} (SHA-256 of the decompressed content): read once` });
    expect(result.outputs.text).toContain(`files not read: 2 (`);
    expect(await readFile(result.outputs.report, 'utf8')).toContain('read once');
  });

  it('judges no flag and no interval an export never delivers: no flag_inconsistent without a flag column, no reference_missing without an interval', async () => {
    const ws = await workspace();
    // sodium 137-145: three of six above, one below; the export has interval columns but no flag column
    const rows = ['Id,Pt,Code,Val,Unit,Lo,Hi', ...[150, 153, 140, 139, 147, 130].map((v, i) => `s${i},P${i},NA,${v},mmol/L,137,145`)];
    await ws.put('a/results.csv', `${rows.join('\n')}\n`);
    const columns = (extra: string) => `    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit${extra} }`;
    const noFlag = await ws.put('a.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      columns(', ref_low: Lo, ref_high: Hi'), ''].join('\n'));
    const checkRows = (r: LabQualityResult, id: string) => r.outputs.summary.checks.find((c) => c.checkId === id)?.rows ?? 0;
    const a = await runLabQuality({ extracts: [join(ws.inbox, 'a')], mapping: noFlag, out: join(ws.root, 'out-a'), now: CLOCK, logger: silent });
    expect(a.outputs.summary.rowsRead).toBe(6);
    expect(checkRows(a, 'lab.flag_inconsistent')).toBe(0);
    // the same rows without their interval columns: nothing is missing per row either
    const noInterval = await ws.put('b.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      columns(''), ''].join('\n'));
    const b = await runLabQuality({ extracts: [join(ws.inbox, 'a')], mapping: noInterval, out: join(ws.root, 'out-b'), now: CLOCK, logger: silent });
    expect(checkRows(b, 'lab.reference_missing')).toBe(0);
    // where the export does deliver flags, a missing one beside a value above the interval is still found
    const flagged = ['Id,Pt,Code,Val,Unit,Lo,Hi,Flag', 's0,P0,NA,150,mmol/L,137,145,', 's1,P1,NA,153,mmol/L,137,145,H', 's2,P2,NA,140,mmol/L,137,145,'];
    await ws.put('c/results.csv', `${flagged.join('\n')}\n`);
    const withFlag = await ws.put('c.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      columns(', ref_low: Lo, ref_high: Hi, abnormal_flag: Flag'), ''].join('\n'));
    const c = await runLabQuality({ extracts: [join(ws.inbox, 'c')], mapping: withFlag, out: join(ws.root, 'out-c'), now: CLOCK, logger: silent });
    expect(checkRows(c, 'lab.flag_inconsistent')).toBe(1);
  });

  it('reads a gzip file named in capitals, as a Windows system writes it (LABEVENTS [1].CSV.GZ)', async () => {
    const ws = await workspace();
    await hospital(ws, 'dates_shifted: true');
    await rm(join(ws.inbox, 'export', 'labevents.csv'));
    await writeFile(join(ws.inbox, 'export', 'LABEVENTS [1].CSV.GZ'), gzipSync(LABEVENTS));
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true').replace('files: "labevents*.csv"', 'files: "*.CSV.GZ"'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    expect(result.files.map((f) => [f.file, f.read, f.error])).toEqual([['LABEVENTS [1].CSV.GZ', 5, null]]);
    expect(result.outputs.summary.rowsRead).toBe(5);
  });

  it('names the column a CPR number was found in, in the flagged rows, and masks the number', async () => {
    const ws = await workspace();
    const sor = '61741000016007';
    // a CPR number written with a no-break space in the test name of r2, and in the unit of r3
    await ws.put('export/results.csv', ['Id,Sor,Pt,Code,Name,Val,Unit', `r1,${sor},P1,GLU,Glucose,5.1,mmol/L`,
      `r2,${sor},P1,K,Kalium 010190\u00a01234,4.1,mmol/L`, `r3,${sor},P2,GLU,Glucose,6.0,mmol/L 0101901234`, ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"',
      '    format: csv', '    columns: { record_id: Id, clinic: Sor, patient: Pt, analysis_code: Code, analysis_name: Name, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent, flaggedJson: true });
    const flagged = JSON.parse(await readFile(result.outputs.flaggedJson!, 'utf8')) as Array<{ record_key: string; check_ids: string[]; reasons: string[] }>;
    const cpr = flagged.filter((r) => r.check_ids.includes('privacy.cpr_laboratoriesvar'))
      .map((r) => [r.record_key, r.reasons[r.check_ids.indexOf('privacy.cpr_laboratoriesvar')]]);
    expect(cpr).toEqual([
      ['Lab export:r2', 'analysis_name: a CPR number or replacement number appears in this field'],
      ['Lab export:r3', 'unit: a CPR number or replacement number appears in this field'],
    ]);
    for (const f of await readdir(out)) expect((await readFile(join(out, f))).toString('utf8'), f).not.toMatch(/010190/);
  });

  it('rejects a file saved as UTF-16 whole, saying so, and quotes nothing of its header', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    // a second export saved as UTF-16 by a spreadsheet, a CPR number in a column name
    const text = LABEVENTS.replace('flag\n', 'flag,Note 010190-1234\n');
    await writeFile(join(ws.inbox, 'export/labevents-2.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.text.split('\n')[0]).toBe(
      'NOT USABLE: labevents-2.csv was rejected whole: the file is UTF-16 (byte order mark FF FE), not UTF-8 text as its layout says: save it as UTF-8');
    expect(result.outputs.summary.usable).toBe(4);
    for (const f of await readdir(out)) expect((await readFile(join(out, f))).toString('latin1'), f).not.toMatch(/0\W{0,2}1\W{0,2}0\W{0,2}1\W{0,2}9\W{0,2}0/);
  });

  it('rejects a line the computed columns cannot read on its own, naming it, and reads the rest of its file', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, 'dates_shifted: true');
    // a second export whose third line is cut short, and a fourth after it
    await ws.put('export/labevents-2.csv', `${LABEVENTS.split('\n')[0]}\n7,10009,50931,2180-03-02 08:00:00,2180-03-02 09:00:00,90,90,mg/dL,70,100,\n8,10009\n`
      + '9,10009,50931,2180-03-02 10:00:00,2180-03-02 11:00:00,95,95,mg/dL,70,100,\n');
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    expect(result.files.find((f) => f.file === 'labevents-2.csv')).toMatchObject({ read: 3, rejected: 1, error: null });
    const rejects = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_file: string; source_line: bigint; reason: string }>(conn,
      'select source_file, source_line, reason from meta.rejects'));
    expect([...new Set(rejects.map((r) => `${r.source_file}:${r.source_line}`))]).toEqual(['labevents-2.csv:3']);
    expect(rejects[0]!.reason).toMatch(/missing columns/i);
    // the lines around it keep their numbers
    const lines = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; source_line: bigint }>(conn,
      `select record_id, source_line from lab.results where source_file = 'labevents-2.csv' order by source_line`));
    expect(lines.map((l) => [l.record_id, Number(l.source_line)])).toEqual([['7', 2], ['9', 4]]);
    expect(result.outputs.summary.usable).toBe(6);
  });

  it('says how many local codes and panels it shows of how many', async () => {
    const ws = await workspace();
    // 61 local codes, code i with i + 1 results, so the order (most results first) is known
    const lines = ['labevent_id,subject_id,itemid,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag'];
    let id = 0;
    for (let i = 0; i < 61; i++) {
      for (let k = 0; k <= i; k++) lines.push(`${++id},1000${k},${60000 + i},2180-03-01 08:00:00,2180-03-01 09:00:00,${k + 1},,mg/L,0,100,`);
    }
    await ws.put('export/labevents.csv', `${lines.join('\n')}\n`);
    await ws.put('mapping/dictionary.csv', 'code,label\n');
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('dates_shifted: true'));
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent });
    const s = result.outputs.summary;
    expect([s.localCodes.length, s.panels.length, s.analysisCount]).toEqual([61, 60, 61]);
    expect(s.panels.at(-1)!.analysis).toBe('60001');
    const html = await readFile(result.outputs.report, 'utf8');
    expect(html).toContain('50 of 61 local codes shown (the largest); all in summary.json (localCodes).');
    expect(html).toContain('60 of 61 analyses have a panel below (the largest); every analysis is in');
    expect(html).toContain('40 of 61 analyses drawn; all are in the table below and in summary.json.');
    expect(html).toContain('40 of 61 analyses shown (most results outside first); all in summary.json (outsideReference).');
  });
});

describe('the delivery time from a column of the file', () => {
  it('takes each file\'s latest time in the column, read in the mapping\'s time zone, and judges result times against it', async () => {
    const ws = await workspace();
    // exported 2180-03-02 00:00 New York (EST) = 05:00 UTC; r3's result time is a day later
    await ws.put('export/results.csv', [
      'Id,Pt,Code,Val,Taken,Done,Exported',
      'r1,PATIENT1,GLU,5.1,2180-03-01 08:00:00,2180-03-01 09:00:00,2180-03-01 23:00:00',
      'r2,PATIENT2,GLU,5.4,2180-03-01 08:00:00,2180-03-01 09:00:00,2180-03-02 00:00:00',
      'r3,PATIENT3,GLU,5.6,2180-03-01 08:00:00,2180-03-03 09:00:00,',
      '',
    ].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Stamped export', 'time_zone: America/New_York', 'dates_shifted: true', 'deliveries:',
      '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv', '    timestamps: "%Y-%m-%d %H:%M:%S"', '    delivered_at: { column: Exported }',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken, resulted_at: Done }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const delivered = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) =>
      queryRows<{ d: string }>(conn, `select strftime(delivered_at, '%Y-%m-%d %H:%M') as d from lab.inputs`));
    expect(delivered).toEqual([{ d: '2180-03-02 05:00' }]);
    const f = await findingsOf(out);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.time_order')).map(([k]) => k)).toEqual(['r3']);
    expect(result.outputs.text).toContain('the latest Exported in it');
    // with shifted dates the notes agree with what is judged: the delivery time is the column's
    expect(result.outputs.text).not.toContain('No delivery time given');
    expect(result.outputs.text).toContain('only the order of times is judged (sampled <= resulted <= delivered)');
    expect(result.outputs.text).toContain('(delivered_at: { column }); else none.');
    // --delivered-at beats the column
    const again = join(ws.root, 'again');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: again, now: CLOCK, deliveredAt: new Date('2180-03-05T00:00:00Z'), logger: silent });
    expect([...(await findingsOf(again)).values()].flat()).not.toContain('lab.time_order');
  });
});

describe('flagged-rows.csv at the clock changes', () => {
  it('writes a time in the repeated autumn hour as delivered, and one in the skipped spring hour as the clock read at that instant, each with its offset', async () => {
    const ws = await workspace();
    // New York 2180: clocks go forward on Sunday 12 March at 02:00 (02:00-02:59 does not exist) and
    // back on Sunday 5 November at 02:00 (01:00-01:59 comes twice). No value: every row is flagged.
    await ws.put('export/results.csv', [
      'Id,Pt,Code,Val,Taken,Done',
      's1,PATIENT1,GLU,,2180-03-12 01:59:00,2180-03-12 03:30:00',
      's2,PATIENT2,GLU,,2180-03-12 02:30:00,2180-03-12 03:00:00',
      'a1,PATIENT3,GLU,,2180-11-05 01:30:00,2180-11-05 02:30:00',
      '',
    ].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Clock export', 'time_zone: America/New_York', 'dates_shifted: true', 'deliveries:',
      '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv', '    timestamps: "%Y-%m-%d %H:%M:%S"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken, resulted_at: Done }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const csv = await flaggedCsvOf(result.outputs.flaggedCsv);
    expect(csv.times).toEqual(new Map([
      // 01:30 in the repeated hour is written as delivered; it is read as the second 01:30 (EST,
      // 06:30 UTC), the Parquet file's instant, and its offset says which
      ['a1', ['2180-11-05 01:30:00-05:00', '2180-11-05 02:30:00-05:00']],
      // the minute before the jump as delivered; 02:30, a time the clock never showed, is read as
      // standard time (07:30 UTC), the instant the clock showed 03:30 EDT, and written as 03:30
      ['s1', ['2180-03-12 01:59:00-05:00', '2180-03-12 03:30:00-04:00']],
      ['s2', ['2180-03-12 03:30:00-04:00', '2180-03-12 03:00:00-04:00']],
    ]));
    const parquet = await withDatabase(':memory:', (_db, conn) => queryRows<{ k: string; s: string }>(conn, `
      select record_key as k, strftime(timezone('UTC', sampled_at), '%Y-%m-%d %H:%M') as s
      from read_parquet(${sqlString(result.outputs.flaggedParquet)}) order by k`));
    expect(parquet.map((r) => [r.k.replace(/^.*:/, ''), r.s])).toEqual([['a1', '2180-11-05 06:30'], ['s1', '2180-03-12 06:59'], ['s2', '2180-03-12 07:30']]);
  });
});

describe('reference intervals that differ between patients', () => {
  it('does not call a sex-specific interval unstable, but still one interval that changes for the same patient', async () => {
    const ws = await workspace();
    // HB-L: women (W1-W3) 7.3..9.5, men (M1, M2) 8.3..10.5, two results each; X1 gets 7.3..9.5
    // once and 1..2 once: only that one differs from what the same patient otherwise gets
    const rows = ['Id,Pt,Code,Val,Unit,Lo,Hi'];
    let id = 0;
    for (const [pt, lo, hi] of [['W1', 7.3, 9.5], ['W2', 7.3, 9.5], ['W3', 7.3, 9.5], ['M1', 8.3, 10.5], ['M2', 8.3, 10.5]] as const) {
      for (let k = 0; k < 2; k++) rows.push(`r${++id},PATIENT-${pt},HB-L,8.${k + 1},mmol/L,${lo},${hi}`);
    }
    rows.push('x1,PATIENT-X1,HB-L,8.5,mmol/L,7.3,9.5', 'x2,PATIENT-X1,HB-L,8.6,mmol/L,1,2');
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit, ref_low: Lo, ref_high: Hi }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const f = await findingsOf(out);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.reference_unstable')).map(([k]) => k)).toEqual(['x2']);
    const [detail] = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ detail: string }>(conn,
      `select detail from lab.row_findings where check_name = 'reference_unstable'`));
    expect(detail!.detail).toBe('reference interval 1.0..2.0 differs from the extract\'s usual 7.3..9.5 for HB-L');
  });
});

describe('repeat specimens', () => {
  it('calls the same patient, analysis and time a duplicate only with the same value: another value is a repeat specimen', async () => {
    const ws = await workspace();
    // a1/a2: one potassium sent twice (same value); b1/b2: a haemolysed sample re-drawn at the same
    // recorded time, another value; c1: another patient at that time
    const rows = ['Id,Pt,Code,Val,Unit,Taken',
      'a1,P-A,K,4.1,mmol/L,2025-03-01 08:00:00', 'a2,P-A,K,4.1,mmol/L,2025-03-01 08:00:00',
      'b1,P-B,K,6.8,mmol/L,2025-03-01 08:00:00', 'b2,P-B,K,4.3,mmol/L,2025-03-01 08:00:00',
      'c1,P-C,K,4.1,mmol/L,2025-03-01 08:00:00'];
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    timestamps: "%Y-%m-%d %H:%M:%S"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: CLOCK, logger: silent });
    const f = await findingsOf(out);
    expect([...f.entries()].filter(([, c]) => c.includes('lab.duplicate')).map(([k]) => k)).toEqual(['a2']);
  });
});

describe('a lab mapping that does not fit its files', () => {
  it('names the file and the column a mapping reads that the file does not have', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS);
    await ws.put('mapping/dictionary.csv', DICTIONARY);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('unit: valueuom', 'unit: units'));
    const err = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^labevents\.csv: column units: found nothing, expected the column .*hospital\.yaml maps to unit/);
  });

  it('says a file has another delimiter, once, when its header is one column holding the mapped names', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS.replaceAll(',', ';'));
    await ws.put('mapping/dictionary.csv', DICTIONARY);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml(''));
    const err = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'labevents.csv: delimiter: found ",", expected the file\'s delimiter: its header has the mapped names with ";" between 11 names (set delimiter: ";" in hospital.yaml)');
  });

  it('says so too when a column name holds the mapping\'s delimiter', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS.replaceAll(',', ';').replace('flag\n', 'flag;"comment (free, text)"\n').replace(/\n(\d+;[^\n]*)/g, '\n$1;'));
    await ws.put('mapping/dictionary.csv', DICTIONARY);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('', '      ref_text: "comment (free, text)"\n'));
    const err = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toMatch(/^labevents\.csv: delimiter: found ",", expected the file's delimiter: its header has the mapped names with ";" between/);
  });

  it('names a lookup column the side file does not have', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS);
    await ws.put('mapping/dictionary.csv', DICTIONARY);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('take: label', 'take: name'));
    const err = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toMatch(/dictionary\.csv: column name: found nothing, expected the lookup column/);
  });

  it('refuses clinic and sor_code together: one is another name for the other', async () => {
    const ws = await workspace();
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('clinic: none', 'clinic: none\n      sor_code: Sor'));
    const err = await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toContain('hospital.yaml: deliveries[0].columns.clinic: found "none", expected either clinic or sor_code, not both');
  });

  it('names the mapping key a misspelt one was meant to be, among every key a mapping may have', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('time_zone: America/New_York', 'time_zon: America/New_York'));
    const err = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('time_zon: found an unknown key, expected one of system, defaults, deliveries, time_zone, as_of, delivered_at, dates_shifted, absent, statuses (did you mean time_zone?)');
  });

  it('rejects a column spec it does not know, naming the key', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('code_system: { value: local }', 'code_system: { constant: local }'));
    const err = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: CLOCK, logger: silent }).catch((e: unknown) => e);
    expect((err as ConfigError).message).toContain('hospital.yaml: deliveries[0].columns.code_system: found {"constant":"local"}');
  });
});

describe('lab-quality --check-mapping', () => {
  it('prints what each column reads from with the first ten values as computed, the patient masked', async () => {
    const ws = await workspace();
    const mapping = await hospital(ws, '');
    // twelve rows: ten samples are shown
    const more = Array.from({ length: 7 }, (_, k) => `${6 + k},2002${k},50931,2180-03-02 08:00:00,2180-03-02 09:00:00,${90 + k},${90 + k},mg/dL,70,100,`);
    await ws.put('export/labevents.csv', `${LABEVENTS}${more.join('\n')}\n`);
    const { exitCode, text } = await runCheckMapping({ extracts: [join(ws.inbox, 'export')], mapping });
    expect(exitCode).toBe(0);
    const line = (column: string) => text.split('\n').find((l) => l.trimStart().startsWith(`${column} `))!;
    // rows 1-10: the values as the mapping computes them (___ is absent, so the number is taken)
    expect(line('value')).toMatch(/<- first present of value, valuenum +"95", "4\.1", "180", \(empty\), "38\.5", "90", "91", "92", "93", "94"$/);
    expect(line('analysis_name')).toMatch(/<- lookup dictionary\.csv: label where code = analysis_code +"Glucose", "Potassium", "Glucose", "Potassium", "Hematocrit", "Glucose",/);
    expect(line('code_system')).toMatch(/<- constant "local" +"local"/);
    expect(line('sor_code')).toMatch(/<- none \(clinic: none\)/);
    // patients 10001, 10001, 10002, 10002, 10003, 20020, ...: only the first and last character shown
    expect(line('patient')).toMatch(/<- column subject_id +"1\*\*\*1", "1\*\*\*1", "1\*\*\*2", "1\*\*\*2", "1\*\*\*3", "2\*\*\*0",/);
    expect(text).not.toContain('10001');
  });

  it('names a malformed line by DuckDB\'s reason, never its text, and samples past it (ot15 M4: exit 1, "CSV Error on Line: 7")', async () => {
    const ws = await workspace();
    const mapping = await ws.put('m.yaml', ['system: Region', 'deliveries:', '  - kind: laboratoriesvar', '    files: "*.csv"', '    format: csv', '    delimiter: ";"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Kode, value: Svar }', ''].join('\n'));
    // line 3: a name with an unquoted ";" and a comment holding a CPR number: a field too many
    await ws.put('svar.csv', 'Id;Pt;Kode;Svar\na1;P1;NPU02319;8,1\na2;P2;NPU02319;B;Hb 010203-1234\na3;P3;NPU02319;8,3\n');
    const { exitCode, text } = await runCheckMapping({ extracts: [ws.inbox], mapping });
    expect(exitCode).toBe(0);
    expect(text).toContain('malformed lines, the first: line 3: Expected Number of Columns: 4 Found: 5 (the evaluation rejects such lines; the samples skip them)');
    expect(text.split('\n').find((l) => l.trimStart().startsWith('record_id '))).toMatch(/"a1", "a3"$/);
    expect(text).not.toContain('010203');
  });

  it('says plainly that a file of a header only has 0 data rows, instead of empty samples', async () => {
    const ws = await workspace();
    const mapping = await ws.put('m.yaml', ['system: Region', 'deliveries:', '  - kind: laboratoriesvar', '    files: "*.csv"', '    format: csv', '    delimiter: ";"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Kode, value: Svar }', ''].join('\n'));
    await ws.put('svar.csv', 'Id;Pt;Kode;Svar\na1;P1;NPU02319;8,1\n');
    await ws.put('tom.csv', 'Id;Pt;Kode;Svar\n');
    const { exitCode, text } = await runCheckMapping({ extracts: [ws.inbox], mapping });
    expect(exitCode).toBe(0);
    const lines = text.split('\n');
    expect(lines).toContain('tom.csv: 0 data rows (a header only): nothing to evaluate');
    expect(lines).toContain('svar.csv:');
  });

  it('stops with a configuration error (exit 2) naming the column a file lacks', async () => {
    const ws = await workspace();
    await ws.put('export/labevents.csv', LABEVENTS);
    await ws.put('mapping/dictionary.csv', DICTIONARY);
    const mapping = await ws.put('mapping/hospital.yaml', mappingYaml('').replace('unit: valueuom', 'unit: units'));
    const err = await runCheckMapping({ extracts: [join(ws.inbox, 'export')], mapping }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as ConfigError).message).toMatch(/^labevents\.csv: column units: found nothing, expected the column .*hospital\.yaml maps to unit/);
  });

  it('samples a Latin-1 export with an Excel en dash as the evaluation reads it, and stops on the files the evaluation rejects whole', async () => {
    const ws = await workspace();
    const mapping = await ws.put('m.yaml', ['system: Region', 'deliveries:', '  - kind: laboratoriesvar', '    files: "*.csv"', '    format: csv', '    delimiter: ";"',
      '    encoding: latin-1', '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Kode, value: Svar, ref_text: Ref }', ''].join('\n'));
    // Windows-1252: 0x96 is the en dash of "7,3–9,5", 0xE6 the æ of "hæmoglobin"
    const row = (id: string) => Buffer.concat([Buffer.from(`${id};P1;NPU02319;8,1;7,3`, 'latin1'), Buffer.from([0x96]), Buffer.from('9,5\n', 'latin1')]);
    await writeFile(join(ws.inbox, 'svar.csv'), Buffer.concat([Buffer.from('Id;Pt;Kode;Svar;Ref\n', 'latin1'), row('a1'), row('a2')]));
    const { exitCode, text } = await runCheckMapping({ extracts: [ws.inbox], mapping });
    expect(exitCode).toBe(0);
    expect(text.split('\n').find((l) => l.trimStart().startsWith('ref_text '))).toMatch(/"7,3–9,5", "7,3–9,5"$/);
    // an empty file and one with a column twice: the evaluation's reasons, exit 2
    await ws.put('tom.csv', '');
    await ws.put('dobbelt.csv', 'Id;Pt;Kode;Svar;Ref;Svar\na3;P2;NPU02319;8,0;7,3-9,5;x\n');
    const err = await runCheckMapping({ extracts: [ws.inbox], mapping }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as ConfigError).message).toContain('tom.csv: file: found "empty file: no header line"');
    expect((err as ConfigError).message).toContain('dobbelt.csv: file: found "duplicated column names in the header: Svar"');
  });
});
