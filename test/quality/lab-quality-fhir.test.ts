// lab-quality on a FHIR R4 bulk export written the way a US record system writes it
// (test/fixtures/lab/synthea-observations.ndjson, built by hand after Synthea's output):
// urn:uuid references, LOINC codes in US units, blood pressure as component[], smoking status and
// urine dipsticks as valueCodeableConcept, categories laboratory / vital-signs / survey.
// Every expected figure is worked out by hand from the fixture's twelve lines.
import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';

const BP = '1f0a7e1c-0001-4b8e-9a4e-000000000008';

describe('lab-quality on a US FHIR bulk export', () => {
  let out: string;
  let result: LabQualityResult;
  const query = <T,>(sql: string) => withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<T>(conn, sql));

  beforeAll(async () => {
    const ws = await workspace();
    const file = await ws.put('bulk/Observation.ndjson', await readFile(join(here, 'synthea-observations.ndjson'), 'utf8'));
    out = join(ws.root, 'out');
    result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
  });

  it('makes each component of a panel a result of its own, linked to its Observation', async () => {
    // 12 lines: 2 set apart (vital signs, survey); line 8 is a panel without a value of its own and
    // two components: 9 single results + 2 components = 11 results
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 11, rejected: 0, error: null, setApart: 2 }]);
    const parts = await query<Record<string, unknown>>(`
      select r.source_file, r.source_line, r.record_id, f.parent_record_id, r.analysis_code, r.value_num, r.unit_norm
      from lab.results as r join lab.fhir_results as f using (source_file, source_line)
      where f.parent_record_id is not null order by r.record_id`);
    expect(parts).toEqual([
      { source_file: 'Observation.ndjson#component[0]', source_line: 8n, record_id: `${BP}#component[0]`, parent_record_id: BP, analysis_code: '8462-4', value_num: 91, unit_norm: 'mmHg' },
      { source_file: 'Observation.ndjson#component[1]', source_line: 8n, record_id: `${BP}#component[1]`, parent_record_id: BP, analysis_code: '8480-6', value_num: 146, unit_norm: 'mmHg' },
    ]);
    // the panel itself is no result: it only groups its components
    expect(await query(`select record_id from lab.results where record_id = '${BP}'`)).toEqual([]);
  });

  it('keeps the category of every result, and sets the vital-signs panel and the smoking status apart', async () => {
    const categories = await query<{ category: string | null; n: bigint }>(`select category, count(*) as n from lab.fhir_results group by 1 order by 1 nulls last`);
    expect(categories).toEqual([{ category: 'laboratory', n: 9n }, { category: null, n: 2n }]);
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'not laboratory', category: 'survey', code: '72166-2', name: 'Tobacco smoking status', rows: 1 },
      { reason: 'not laboratory', category: 'vital-signs', code: '85354-9', name: 'Blood pressure panel with all children optional', rows: 1 },
    ]);
  });

  it('reads a coded answer as a qualitative result, not as an error', async () => {
    const coded = await query<Record<string, unknown>>(`select analysis_code, value_text, value_state, qualitative from lab.results
      where value_state = 'qualitative' order by analysis_code`);
    expect(coded).toEqual([
      { analysis_code: '5794-3', value_text: 'Positive (qualifier value)', value_state: 'qualitative', qualitative: 'positive (qualifier value)' },
      { analysis_code: '5802-4', value_text: 'Negative', value_state: 'qualitative', qualitative: 'neg' },
    ]);
    const findings = await query<{ check_id: string }>(`select distinct f.check_id from quality.row_findings as f
      join lab.results as r using (source_file, source_line) where r.value_state = 'qualitative' and f.severity = 'error'`);
    expect(findings).toEqual([]);
  });

  it('reads LOINC codes linked to an NPU code in that code\'s unit, converted with the catalogue\'s factor', async () => {
    const rows = await query<Record<string, unknown>>(`select analysis_code, code_status, catalogue_code, unit_norm, unit_status,
      round(value_canonical, 5) as canonical, canonical_unit, plausibility from lab.results where value_state = 'numeric' order by source_line, source_file`);
    expect(rows).toEqual([
      // 95.2 mg/dL x 0.0555 = 5.2836 mmol/L
      { analysis_code: '2339-0', code_status: 'loinc', catalogue_code: 'NPU02187', unit_norm: 'mg/dL', unit_status: 'converted', canonical: 5.2836, canonical_unit: 'mmol/L', plausibility: 'ok' },
      // 1.1 mg/dL x 88.4 = 97.24 µmol/L
      { analysis_code: '2160-0', code_status: 'loinc', catalogue_code: 'NPU18016', unit_norm: 'mg/dL', unit_status: 'converted', canonical: 97.24, canonical_unit: 'µmol/L', plausibility: 'ok' },
      // 14.2 g/dL x 0.6206 = 8.81252 mmol/L
      { analysis_code: '718-7', code_status: 'loinc', catalogue_code: 'NPU02319', unit_norm: 'g/dL', unit_status: 'converted', canonical: 8.81252, canonical_unit: 'mmol/L', plausibility: 'ok' },
      // (6.1 - 2.15) x 10.929 = 43.16955 mmol/mol
      { analysis_code: '4548-4', code_status: 'loinc', catalogue_code: 'NPU27300', unit_norm: '%', unit_status: 'converted', canonical: 43.16955, canonical_unit: 'mmol/mol', plausibility: 'ok' },
      { analysis_code: '2823-3', code_status: 'loinc', catalogue_code: 'NPU03230', unit_norm: 'mmol/L', unit_status: 'canonical', canonical: 4.3, canonical_unit: 'mmol/L', plausibility: 'ok' },
      // sodium in blood: a LOINC code with no NPU counterpart in the catalogue (P-Natrium is plasma)
      { analysis_code: '2947-0', code_status: 'loinc', catalogue_code: null, unit_norm: 'mmol/L', unit_status: 'not_checked', canonical: null, canonical_unit: null, plausibility: 'not_checked' },
      { analysis_code: '8462-4', code_status: 'loinc', catalogue_code: 'DNK05473', unit_norm: 'mmHg', unit_status: 'canonical', canonical: 91, canonical_unit: 'mmHg', plausibility: 'ok' },
      { analysis_code: '8480-6', code_status: 'loinc', catalogue_code: 'DNK05472', unit_norm: 'mmHg', unit_status: 'canonical', canonical: 146, canonical_unit: 'mmHg', plausibility: 'ok' },
      { analysis_code: '2345-8', code_status: 'malformed', catalogue_code: null, unit_norm: 'mg/dL', unit_status: 'not_checked', canonical: null, canonical_unit: null, plausibility: 'not_checked' },
    ]);
  });

  it('names a LOINC code with the wrong check digit and the digit it should have', async () => {
    const f = await query<Record<string, unknown>>(`select source_line, detail from lab.row_findings where check_name = 'code_format'`);
    // 2345: from the right 5*2=10 -> 1, 4, 3*2=6, 2: 13, so the check digit is 7
    expect(f).toEqual([{ source_line: 12n, detail: "LOINC code 2345-8 has the wrong check digit: LOINC's mod 10 of 2345 is 7" }]);
  });

  it('takes the patient from the urn:uuid reference', async () => {
    const patients = await query<{ patient: string; n: bigint }>(`select patient, count(*) as n from lab.results group by 1 order by 1`);
    expect(patients).toEqual([
      { patient: '3e9a7c44-1b2d-4f60-8a19-5d6e7f801b02', n: 7n },
      { patient: '8c1f2b0e-6d1a-4c3b-9e55-0a7d3f1b2c01', n: 4n },
    ]);
  });
});

describe('LOINC results in the wrong unit', () => {
  it('calls a glucose in mg/dL with mmol/L values a unit mix-up, and one far off in any unit implausible', async () => {
    const ws = await workspace();
    const glucose = (id: string, v: number) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }] },
      subject: { reference: 'urn:uuid:0b6f0a52-5f7e-4f4e-9f0c-3a1d2e3f4a5b' }, effectiveDateTime: '2019-02-18T09:28:55-05:00', issued: '2019-02-18T10:28:55-05:00',
      valueQuantity: { value: v, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      referenceRange: [{ low: { value: 70, unit: 'mg/dL' }, high: { value: 99, unit: 'mg/dL' } }],
    });
    // 5.4 mg/dL = 0.2997 mmol/L: below the hard limit 1.8, ordinary as mmol/L; 90 mg/dL = 4.995 mmol/L;
    // 99999 mg/dL = 5549.9 mmol/L is beyond the limit (111) in mg/dL and in mmol/L alike
    const file = await ws.put('Observation.ndjson', `${[glucose('g1', 5.4), glucose('g2', 90), glucose('g3', 99999)].join('\n')}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<Record<string, unknown>>(conn, `
      select record_id, plausibility, plausible_as_unit from lab.results order by record_id`));
    expect(rows).toEqual([
      { record_id: 'g1', plausibility: 'unit_mixup', plausible_as_unit: 'mmol/L' },
      { record_id: 'g2', plausibility: 'ok', plausible_as_unit: null },
      { record_id: 'g3', plausibility: 'implausible', plausible_as_unit: null },
    ]);
  });
});

// An export written the way Epic writes Observations (test/fixtures/lab/epic-style-observations.ndjson,
// by hand, CR LF): the vendor's own code first and LOINC second, a withdrawn result, a CBC panel
// that only points at its members, the value[x] choices that are no number, a cancelled test
// with dataAbsentReason, a heart rate among the lab results, an interpretation given as text
// only and one as a coding's display only, intervals per age band, a treatment interval before
// the normal one, a category in Epic's own code system ('Lab'), and a patient contained in the
// Observation.
describe('lab-quality on an Epic-style FHIR export', () => {
  let out: string;
  let result: LabQualityResult;
  const query = <T,>(sql: string) => withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<T>(conn, sql));

  beforeAll(async () => {
    const ws = await workspace();
    const file = await ws.put('Observation.ndjson', await readFile(join(here, 'epic-style-observations.ndjson'), 'utf8'));
    out = join(ws.root, 'out');
    result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
  });

  it('sets apart what is no lab result, saying why, and counts the rest: 14 lines = 10 results + 4 set apart', () => {
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 10, rejected: 0, error: null, setApart: 4 }]);
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'cancelled (status cancelled: not performed or not completed)', category: 'laboratory', code: '5006', name: 'Potassium [Moles/volume] in Serum or Plasma', rows: 1 },
      { reason: 'not laboratory', category: 'vital-signs', code: '5008', name: 'Heart rate', rows: 1 },
      { reason: 'panel: groups its members (hasMember), no value of its own', category: 'laboratory', code: '5001', name: 'CBC panel - Blood by Automated count', rows: 1 },
      { reason: 'withdrawn (status entered-in-error)', category: 'laboratory', code: '5000', name: 'Glucose [Moles/volume] in Blood', rows: 1 },
    ]);
    expect(result.outputs.text).toContain('FHIR Observations set apart (no lab result, not counted): 4');
    expect(result.outputs.summary).toMatchObject({ rowsRead: 10, usable: 10, unusable: 0, rejected: 0 });
  });

  it('reads a boolean (false: neg), a titre ratio and a range as answers', async () => {
    const rows = await query<Record<string, unknown>>(`select record_id, analysis_code, value_text, value_state, qualitative as value_qualitative from lab.results where value_state <> 'numeric' order by source_line`);
    expect(rows).toEqual([
      { record_id: 'eHCG1', analysis_code: '2106-3', value_text: 'false', value_state: 'qualitative', value_qualitative: 'neg' },
      { record_id: 'eTIT1', analysis_code: '5370-2', value_text: '1:64', value_state: 'qualitative', value_qualitative: '1:64' },
      { record_id: 'eRBC1', analysis_code: '13945-1', value_text: '5-10', value_state: 'qualitative', value_qualitative: '5-10' },
    ]);
  });

  it('reads a text-only interpretation as the flag, intervals per age band as no one interval, the normal interval of several types, and the contained patient\'s identifier', async () => {
    const rows = await query<Record<string, unknown>>(`select record_id, patient, abnormal_flag, ref_low, ref_high, ref_text from lab.results
      where record_id in ('eNA1', 'eALP1', 'eCRP1', 'eHBA1', 'eCRE1') order by source_line`);
    expect(rows).toEqual([
      { record_id: 'eNA1', patient: 'eQ3k9Yw1nB7xY2mZ0aL4c5A3', abnormal_flag: 'High', ref_low: 136, ref_high: 145, ref_text: null },
      { record_id: 'eALP1', patient: 'eQ3k9Yw1nB7xY2mZ0aL4c5A3', abnormal_flag: null, ref_low: null, ref_high: null, ref_text: 'given per age or population group, or of another type than normal, only' },
      { record_id: 'eCRP1', patient: 'eQ3k9Yw1nB7xY2mZ0aL4c5A3', abnormal_flag: null, ref_low: null, ref_high: 10, ref_text: null },
      { record_id: 'eHBA1', patient: 'Z1234567', abnormal_flag: null, ref_low: null, ref_high: 5.7, ref_text: null },
      // the normal interval, not the treatment one before it; the flag from the coding's display
      { record_id: 'eCRE1', patient: 'eQ3k9Yw1nB7xY2mZ0aL4c5A3', abnormal_flag: 'Low', ref_low: 0.6, ref_high: 1.2, ref_text: null },
    ]);
  });

  it('finds what is wrong and nothing else', async () => {
    const findings = await query<{ record_id: string; check_name: string }>(`select r.record_id, f.check_name from lab.row_findings as f
      join lab.results as r using (row_id) order by r.source_line, f.check_name`);
    // a reference interval is missing only where a number is read against one (the leukocytes);
    // the sodium's High agrees with 150 above 145, and no interval is "unstable"
    expect(findings).toEqual([{ record_id: 'eWBC1', check_name: 'reference_missing' }]);
  });
});

describe('a FHIR export with a long record', () => {
  it('reads an Observation whose note is 30 MB, gzipped, with the lines around it', async () => {
    const ws = await workspace();
    const glucose = (id: string, note?: string) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
      subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-02-18T09:28:55+01:00', valueQuantity: { value: 90, unit: 'mg/dL' },
      ...(note ? { note: [{ text: note }] } : {}),
    });
    const lines = [glucose('g1'), glucose('g2'), glucose('g3', 'Hemolysed sample, repeated. '.repeat(1_100_000)), glucose('g4'), glucose('g5')];
    expect(lines[2]!.length).toBeGreaterThan(30_000_000);
    const file = join(ws.inbox, 'Observation.ndjson.gz');
    await writeFile(file, gzipSync(`${lines.join('\n')}\n`));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([{ file: 'Observation.ndjson.gz', role: 'fhir', system: 'FHIR', read: 5, rejected: 0, error: null, setApart: 0 }]);
    const ids = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; source_line: bigint }>(conn,
      `select record_id, source_line from lab.results order by source_line`));
    expect(ids.map((r) => [r.record_id, Number(r.source_line)])).toEqual([['g1', 1], ['g2', 2], ['g3', 3], ['g4', 4], ['g5', 5]]);
  });
});

describe('a FHIR history export with several versions of an Observation', () => {
  it('takes the newest version by meta.versionId, sets the older apart naming the newer, and leaves an exact repeat a duplicate', async () => {
    const ws = await workspace();
    const hb = (id: string, version: string, updated: string, status: string, value: number) => JSON.stringify({
      resourceType: 'Observation', id, meta: { versionId: version, lastUpdated: updated }, status,
      code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] }, subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2024-05-01T09:00:00+02:00', issued: '2024-05-01T12:00:00+02:00', valueQuantity: { value, unit: 'g/dL' },
    });
    // line 1: x2 version 3 (corrected); line 2: x0; line 3: x2 version 1, older although later in the file; line 4: line 2 again
    // lines 5 and 6: two Observations without an id, in versions 2 and 1: no versions of one another
    const noId = (version: string, value: number) => JSON.stringify({ ...JSON.parse(hb('', version, '2024-05-03T10:00:00Z', 'final', value)), id: undefined });
    const lines = [hb('x2', '3', '2024-05-04T10:00:00Z', 'corrected', 12.5), hb('x0', '1', '2024-05-02T10:00:00Z', 'final', 13.1),
      hb('x2', '1', '2024-05-01T10:00:00Z', 'final', 15.5), hb('x0', '1', '2024-05-02T10:00:00Z', 'final', 13.1), noId('2', 14.2), noId('1', 11.9)];
    const file = await ws.put('Observation.ndjson', `${lines.join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'an older version (the file holds a newer one)', category: null, code: '718-7', name: null, rows: 1 },
    ]);
    const apart = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_line: bigint; detail: string }>(conn,
      `select source_line, detail from lab.fhir_set_apart`));
    expect(apart.map((a) => [Number(a.source_line), a.detail])).toEqual([[3, 'the newer: version 3 on line 1']]);
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; source_line: bigint; value_num: number }>(conn,
      `select record_id, source_line, value_num from lab.results order by source_line`));
    expect(rows.map((r) => [r.record_id, Number(r.source_line), r.value_num])).toEqual([['x2', 1, 12.5], ['x0', 2, 13.1], ['x0', 4, 13.1]]);
    // the two without an id are each rejected on its line for that, neither set apart as the other's older version
    const rejects = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_line: bigint; column_name: string }>(conn,
      `select source_line, column_name from meta.rejects order by source_line`));
    expect(rejects.map((r) => [Number(r.source_line), r.column_name])).toEqual([[5, 'record_id'], [6, 'record_id']]);
    const findings = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_line: bigint; check_id: string }>(conn,
      `select source_line, check_id from quality.row_findings where check_id like 'pipeline.%' order by source_line`));
    expect(findings.map((f) => [Number(f.source_line), f.check_id])).toEqual([[2, 'pipeline.duplicate']]);
    expect(result.outputs.summary).toMatchObject({ rowsRead: 5 });
  });
});

// A history export in parts (one file per day, per site): a newer version of an Observation may be
// in another file than the older, in either name order.
describe('versions of an Observation in two files', () => {
  it('takes the newest wherever it is, sets the older apart naming file and line, and counts each file by what it keeps', async () => {
    const ws = await workspace();
    const obs = (id: string, version: string, value: number, extra: Record<string, unknown> = {}) => JSON.stringify({
      resourceType: 'Observation', id, meta: { versionId: version }, status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '718-7' }], text: 'Hemoglobin' }, subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2024-05-01T09:00:00+02:00', issued: '2024-05-01T12:00:00+02:00', valueQuantity: { value, unit: 'g/dL' }, ...extra,
    });
    const bp = (version: string, systolic: number) => obs('bp1', version, 0, {
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blood pressure panel' }, valueQuantity: undefined,
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
      ],
    });
    // a_export: x1 in its newest version 3, bp1 in version 1, x5 version 1
    // b_export: x1 in version 1 (older, though its file comes later), bp1 in version 2 (newer), x9, x5 version 1 again
    await ws.put('a_export.ndjson', `${[obs('x1', '3', 12.5), bp('1', 150), obs('x5', '1', 14.0)].join('\n')}\n`);
    await ws.put('b_export.ndjson', `${[obs('x1', '1', 15.5), bp('2', 120), obs('x9', '1', 13.0), obs('x5', '1', 14.0)].join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const query = <T,>(sql: string) => withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<T>(conn, sql));
    const apart = await query<{ source_file: string; source_line: bigint; reason: string; code: string; name: string; detail: string }>(
      'select source_file, source_line, reason, code, name, detail from lab.fhir_set_apart order by source_file');
    expect(apart.map((a) => ({ ...a, source_line: Number(a.source_line) }))).toEqual([
      { source_file: 'a_export.ndjson', source_line: 2, reason: 'an older version (another file holds a newer one)', code: '85354-9', name: 'Blood pressure panel', detail: 'the newer: version 2 in b_export.ndjson on line 2' },
      { source_file: 'b_export.ndjson', source_line: 1, reason: 'an older version (another file holds a newer one)', code: '718-7', name: 'Hemoglobin', detail: 'the newer: version 3 in a_export.ndjson on line 1' },
    ]);
    const rows = await query<{ record_id: string; source_file: string; value_num: number }>(
      'select record_id, source_file, value_num from lab.results order by record_id, source_file');
    expect(rows).toEqual([
      { record_id: 'bp1#component[0]', source_file: 'b_export.ndjson#component[0]', value_num: 120 },
      { record_id: 'bp1#component[1]', source_file: 'b_export.ndjson#component[1]', value_num: 80 },
      { record_id: 'x1', source_file: 'a_export.ndjson', value_num: 12.5 },
      { record_id: 'x5', source_file: 'a_export.ndjson', value_num: 14 },
      { record_id: 'x5', source_file: 'b_export.ndjson', value_num: 14 },
      { record_id: 'x9', source_file: 'b_export.ndjson', value_num: 13 },
    ]);
    // the same version in both files is no older version: the pipeline calls the repeat a duplicate
    const duplicates = await query<{ source_file: string }>(`select source_file from quality.row_findings where check_id = 'pipeline.duplicate'`);
    expect(duplicates).toHaveLength(1);
    // each file: what it keeps is read, what it holds older is set apart, not counted
    expect(result.files.map((f) => ({ file: f.file, read: f.read, setApart: f.setApart }))).toEqual([
      { file: 'a_export.ndjson', read: 2, setApart: 1 },
      { file: 'b_export.ndjson', read: 4, setApart: 1 },
    ]);
    expect(result.outputs.summary).toMatchObject({ rowsRead: 6 });
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'an older version (another file holds a newer one)', category: null, code: '718-7', name: 'Hemoglobin', rows: 1 },
      { reason: 'an older version (another file holds a newer one)', category: null, code: '85354-9', name: 'Blood pressure panel', rows: 1 },
    ]);
  });
});

// A SOR code (14 digits, urn:oid:1.2.208.176.1.1) or a ydernummer written in the digits of another
// script, as a system localised for Arabic or Persian may export them, or full-width.
describe('a FHIR performer whose number is written in other digits', () => {
  it('reads the clinic from Persian, Arabic-Indic and full-width digits as from ASCII ones', async () => {
    const ws = await workspace();
    const obs = (id: string, performer: Record<string, unknown>) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
      subject: { reference: `Patient/${id}` }, performer: [performer], effectiveDateTime: '2025-03-04T08:15:00+01:00', valueQuantity: { value: 13.1, unit: 'g/dL' },
    });
    const persian = (digits: string) => [...digits].map((d) => String.fromCodePoint(0x6f0 + Number(d))).join('');
    const arabic = (digits: string) => [...digits].map((d) => String.fromCodePoint(0x660 + Number(d))).join('');
    const fullWidth = (digits: string) => [...digits].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
    const sor = (value: string) => ({ identifier: { system: 'urn:oid:1.2.208.176.1.1', value } });
    await ws.put('Observation.ndjson', `${[
      obs('a1', sor('61741000016007')), obs('a2', sor(persian('61741000016007'))), obs('a3', sor(arabic('61741000016007'))),
      obs('a4', sor(fullWidth('61741000016007'))), obs('a5', { reference: `Organization/${persian('61741000016007')}` }),
      obs('a6', { identifier: { value: persian('4391') } }),
    ].join('\n')}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; clinic: string }>(conn,
      'select record_id, clinic from lab.results order by record_id'));
    expect(rows).toEqual([
      { record_id: 'a1', clinic: '61741000016007' }, { record_id: 'a2', clinic: '61741000016007' }, { record_id: 'a3', clinic: '61741000016007' },
      { record_id: 'a4', clinic: '61741000016007' }, { record_id: 'a5', clinic: '61741000016007' }, { record_id: 'a6', clinic: 'ydernummer 004391' },
    ]);
  });
});

describe('a FHIR result issued milliseconds before its sample', () => {
  it('says by how much, since both times show as the same minute', async () => {
    const ws = await workspace();
    await ws.put('Observation.ndjson', `${JSON.stringify({
      resourceType: 'Observation', id: 't1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-05-08T09:00:00.123+02:00', issued: '2025-05-08T09:00:00.100+02:00',
      valueQuantity: { value: 4.1, unit: 'mmol/L' },
    })}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const [finding] = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ detail: string }>(conn,
      `select detail from lab.row_findings where check_name = 'time_order'`));
    expect(finding!.detail).toBe('result time 2025-05-08 09:00 is 0.023 s before the sampling time, in the same minute (Europe/Copenhagen)');
  });
});

describe('a FHIR sample given as a collection period with only its end', () => {
  it('takes the end as the sampling time, so the result time is judged against it', async () => {
    const ws = await workspace();
    await ws.put('Observation.ndjson', `${JSON.stringify({
      resourceType: 'Observation', id: 'p1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: 'Patient/p1' }, effectivePeriod: { end: '2025-05-08T10:00:00+02:00' }, issued: '2025-05-08T09:30:00+02:00',
      valueQuantity: { value: 4.1, unit: 'mmol/L' },
    })}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ sampled: string; check_name: string | null }>(conn,
      `select strftime(r.sampled_at, '%Y-%m-%d %H:%M') as sampled, f.check_name from lab.results as r
       left join lab.row_findings as f on f.row_id = r.row_id and f.check_name = 'time_order'`));
    expect(rows).toEqual([{ sampled: '2025-05-08 08:00', check_name: 'time_order' }]);
  });
});

describe('a bulk NDJSON that opens with another resource', () => {
  it('is read as FHIR when Observations follow 300 KB of Patients, which are set apart, not counted', async () => {
    const ws = await workspace();
    const patient = (i: number) => JSON.stringify({ resourceType: 'Patient', id: `p${i}`, gender: 'female', text: { div: 'x'.repeat(3000) } });
    const obs = (id: string) => JSON.stringify({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
      subject: { reference: 'Patient/p1' }, effectiveDateTime: '2024-05-01T09:00:00+02:00', valueQuantity: { value: 13.1, unit: 'g/dL' } });
    const patients = Array.from({ length: 100 }, (_, i) => patient(i));
    expect(patients.join('\n').length).toBeGreaterThan(256 * 1024);
    const file = await ws.put('export.ndjson', `${[...patients, obs('o1'), obs('o2')].join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([{ file: 'export.ndjson', role: 'fhir', system: 'FHIR', read: 2, rejected: 0, error: null, setApart: 100 }]);
    expect(result.outputs.summary).toMatchObject({ rowsRead: 2, usable: 2 });
    expect(result.outputs.summary.setApart).toEqual([{ reason: 'another resource than Observation', category: null, code: 'Patient', name: null, rows: 100 }]);
    // the terminal calls them what they are, not Observations
    expect(result.outputs.text).toContain('FHIR resources other than Observation set apart (not counted): 100 (Patient 100)');
    expect(result.outputs.text).not.toContain('FHIR Observations set apart');
  });
});

// A search result or a transaction written as one line of the export: a Bundle whose
// entry[].resource are the Observations. They are results like the lines around them.
describe('a Bundle line among Observations', () => {
  it('reads the Observations in its entries as results, sets its other resources apart, and an empty Bundle too', async () => {
    const ws = await workspace();
    const obs = (id: string, value: number) => ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-03-04T08:15:00+01:00', valueQuantity: { value, unit: 'mmol/L' } });
    const bundle = { resourceType: 'Bundle', type: 'searchset', entry: [
      { fullUrl: 'urn:uuid:1', resource: obs('e1', 4.0) },
      { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Patient', id: 'p1' } },
      { fullUrl: 'urn:uuid:3' },
      { fullUrl: 'urn:uuid:4', resource: obs('e2', 4.2) },
    ] };
    const lines = [obs('o1', 3.9), bundle, { resourceType: 'Bundle', type: 'searchset', total: 0 }, obs('o2', 4.4)];
    const file = await ws.put('Observation.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 4, rejected: 0, error: null, setApart: 2 }]);
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'another resource than Observation', category: null, code: 'Bundle', name: null, rows: 1 },
      { reason: 'another resource than Observation', category: null, code: 'Patient', name: null, rows: 1 },
    ]);
    const results = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; source_file: string; source_line: number; value_num: number }>(conn,
      `select record_id, source_file, source_line::int as source_line, value_num from lab.results order by record_id`));
    expect(results).toEqual([
      { record_id: 'e1', source_file: 'Observation.ndjson#entry[0]', source_line: 2, value_num: 4.0 },
      { record_id: 'e2', source_file: 'Observation.ndjson#entry[3]', source_line: 2, value_num: 4.2 },
      { record_id: 'o1', source_file: 'Observation.ndjson', source_line: 1, value_num: 3.9 },
      { record_id: 'o2', source_file: 'Observation.ndjson', source_line: 4, value_num: 4.4 },
    ]);
  });

  it('sets apart a Bundle whose entries hold no resource (a transaction response), not drops it', async () => {
    const ws = await workspace();
    const obs = { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-03-04T08:15:00+01:00', valueQuantity: { value: 4.1, unit: 'mmol/L' } };
    const response = { resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201 Created' } }] };
    const file = await ws.put('Observation.ndjson', `${[obs, response].map((l) => JSON.stringify(l)).join('\n')}\n`);
    const result = await runLabQuality({ extracts: [file], out: join(ws.root, 'out'), now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 1, rejected: 0, error: null, setApart: 1 }]);
    expect(result.outputs.summary.setApart).toEqual([{ reason: 'another resource than Observation', category: null, code: 'Bundle', name: null, rows: 1 }]);
  });
});

// FHIR says why a result has no value in dataAbsentReason (a code of
// http://terminology.hl7.org/CodeSystem/data-absent-reason, or text), on the Observation or on a
// component: the finding names it, where an empty value says only that it is empty.
describe('a FHIR result without a value that says why', () => {
  it('names the dataAbsentReason in the value_missing finding, the Observation\'s and a component\'s', async () => {
    const ws = await workspace();
    const lab = { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }] };
    const base = { resourceType: 'Observation', status: 'final', ...lab, subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-03-04T08:15:00+01:00' };
    const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }] });
    const lines = [
      { ...base, id: 'k1', code: loinc('2823-3', 'Potassium'), dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error', display: 'Error' }] } },
      { ...base, id: 'k2', code: loinc('2951-2', 'Sodium') },
      { ...base, id: 'k3', code: loinc('2345-7', 'Glucose'), valueQuantity: { value: 90, unit: 'mg/dL' }, referenceRange: [{ low: { value: 70 }, high: { value: 99 } }] },
      { ...base, id: 'k4', code: loinc('2160-0', 'Creatinine'), dataAbsentReason: { text: 'sample haemolysed' } },
      {
        ...base, id: 'bp', code: loinc('85354-9', 'Blood pressure panel'), component: [
          { code: loinc('8480-6', 'Systolic'), valueQuantity: { value: 120, unit: 'mm[Hg]' } },
          { code: loinc('8462-4', 'Diastolic'), dataAbsentReason: { coding: [{ code: 'not-performed', display: 'Not Performed' }] } },
        ],
      },
    ];
    const file = await ws.put('Observation.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const findings = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; detail: string }>(conn,
      `select r.record_id, f.detail from lab.row_findings as f join lab.results as r using (row_id)
       where f.check_name = 'value_missing' order by r.record_id`));
    expect(findings).toEqual([
      { record_id: 'bp#component[1]', detail: 'no value: dataAbsentReason not-performed (Not Performed)' },
      { record_id: 'k1', detail: 'no value: dataAbsentReason error (Error)' },
      { record_id: 'k2', detail: 'no value: the value is empty' },
      { record_id: 'k4', detail: 'no value: dataAbsentReason sample haemolysed' },
    ]);
    // the flagged rows an analyst opens say the same
    const csv = await readFile(join(out, 'flagged-rows.csv'), 'utf8');
    expect(csv).toContain('no value: dataAbsentReason error (Error)');
  });

  it('counts a preliminary result whose value is temp-unknown as not yet answered, not as a missing value', async () => {
    const ws = await workspace();
    const base = { resourceType: 'Observation', subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-03-04T08:15:00+01:00',
      code: { coding: [{ system: 'http://loinc.org', code: '2823-3', display: 'Potassium' }] } };
    const tempUnknown = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'temp-unknown', display: 'Temporarily Unknown' }] };
    const lines = [
      { ...base, id: 'p1', status: 'preliminary', dataAbsentReason: tempUnknown },
      { ...base, id: 'p2', status: 'registered' },
      { ...base, id: 'f1', status: 'final', valueQuantity: { value: 4.1, unit: 'mmol/L' } },
      { ...base, id: 'f2', status: 'final', dataAbsentReason: { coding: [{ code: 'error' }] } },
    ];
    const file = await ws.put('Observation.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 4, usable: 1, unusable: 1, pending: 2 });
    const missing = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string }>(conn,
      `select r.record_id from lab.row_findings as f join lab.results as r using (row_id) where f.check_name = 'value_missing' order by 1`));
    expect(missing).toEqual([{ record_id: 'f2' }]);
  });
});

// Two folders named on the command line may each hold a file of one name (an export per site,
// each Observation.ndjson): every table knows a row by its file's name and line, so the names
// must stay apart or the rows of one file pass for the other's.
describe('two FHIR files of one name in two folders', () => {
  it('names each below the folder both share, and gives each result its own findings', async () => {
    const ws = await workspace();
    const obs = (id: string, reason: string) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: `Patient/${id}` }, effectiveDateTime: '2025-03-04T08:15:00+01:00', dataAbsentReason: { text: reason },
    });
    await ws.put('north/Observation.ndjson', `${obs('n1', 'sample lost')}\n`);
    await ws.put('south/Observation.ndjson', `${obs('s1', 'analyser error')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'north'), join(ws.inbox, 'south')], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files.map((f) => f.file)).toEqual(['north/Observation.ndjson', 'south/Observation.ndjson']);
    const findings = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; source_file: string; detail: string }>(conn,
      `select r.record_id, r.source_file, f.detail from lab.row_findings as f join lab.results as r using (row_id)
       where f.check_name = 'value_missing' order by r.record_id`));
    expect(findings).toEqual([
      { record_id: 'n1', source_file: 'north/Observation.ndjson', detail: 'no value: dataAbsentReason sample lost' },
      { record_id: 's1', source_file: 'south/Observation.ndjson', detail: 'no value: dataAbsentReason analyser error' },
    ]);
  });
});
