import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { fhirForm } from '../../transforms/ingest/fhir.ts';
import { here } from '../fixtures/lab/extract.ts';

describe('lab-quality on FHIR R4 Observation NDJSON', () => {
  it('reads a bulk-export Observation file into the canonical columns, end to end', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister_2025.csv', await readFile(join(here, 'foreign-register.csv'), 'utf8'));
    await ws.put('bulk/Observation.ndjson.gz', await readFile(join(here, 'observations.ndjson')));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true,
      extracts: [ws.inbox], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }),
    });
    // line 4 is a Patient: set apart, neither read as a lab result nor rejected
    expect(result.files.find((f) => f.role === 'fhir')).toMatchObject({ file: 'bulk/Observation.ndjson.gz', system: 'FHIR', read: 6, rejected: 1 });
    expect(result.outputs.summary.setApart).toEqual([{ reason: 'another resource than Observation', category: null, code: 'Patient', name: null, rows: 1 }]);

    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<Record<string, unknown>>(conn, `
        select record_id, sor_code, patient, analysis_code, code_status, value_text, value_state, comparator, value_num, qualitative,
          unit, unit_status, ref_low, ref_high, ref_text, abnormal_flag, result_status,
          strftime(sampled_at, '%Y-%m-%d %H:%M') as sampled_utc, strftime(resulted_at, '%Y-%m-%d %H:%M') as resulted_utc
        from lab.results order by record_id`);
      expect(rows).toEqual([
        {
          record_id: 'o1', sor_code: '61741000016007', patient: 'PFHIRo1', analysis_code: 'NPU02319', code_status: 'known', value_text: '8.4',
          value_state: 'numeric', comparator: null, value_num: 8.4, qualitative: null, unit: 'mmol/L', unit_status: 'canonical',
          ref_low: 7.3, ref_high: 10.5, ref_text: null, abnormal_flag: null, result_status: 'svar_endeligt',
          sampled_utc: '2025-03-04 08:15', resulted_utc: '2025-03-04 08:40',
        },
        {
          // a time without an offset is Danish local time (summer: UTC+2)
          record_id: 'o2', sor_code: '61741000016007', patient: 'PFHIRo2', analysis_code: 'NPU19748', code_status: 'known', value_text: '5',
          value_state: 'censored', comparator: '<', value_num: 5, qualitative: null, unit: 'mg/L', unit_status: 'canonical',
          ref_low: null, ref_high: 10, ref_text: '< 10 mg/L', abnormal_flag: null, result_status: 'svar_endeligt',
          sampled_utc: '2025-07-01 07:00', resulted_utc: '2025-07-01 07:30',
        },
        {
          record_id: 'o3', sor_code: '61741000016007', patient: 'PFHIRo3', analysis_code: 'NIT-STIX', code_status: 'local', value_text: 'neg',
          value_state: 'qualitative', comparator: null, value_num: null, qualitative: 'neg', unit: null, unit_status: 'not_checked',
          ref_low: null, ref_high: null, ref_text: 'neg', abnormal_flag: null, result_status: 'svar_endeligt',
          sampled_utc: '2025-03-05 09:00', resulted_utc: '2025-03-05 09:05',
        },
        {
          record_id: 'o4', sor_code: '61741000016007', patient: 'PFHIRo4', analysis_code: 'NPU02319', code_status: 'known', value_text: '11.2',
          value_state: 'numeric', comparator: null, value_num: 11.2, qualitative: null, unit: 'mmol/L', unit_status: 'canonical',
          ref_low: 7.3, ref_high: 10.5, ref_text: null, abnormal_flag: 'for_hoej', result_status: 'svar_endeligt',
          sampled_utc: '2025-03-06 08:00', resulted_utc: '2025-03-06 07:00',
        },
        {
          record_id: 'o5', sor_code: '61741000016007', patient: 'PFHIRo5', analysis_code: 'NPU27300', code_status: 'known', value_text: null,
          value_state: 'pending', comparator: null, value_num: null, qualitative: null, unit: null, unit_status: 'not_checked',
          ref_low: null, ref_high: null, ref_text: null, abnormal_flag: null, result_status: 'proeve_modtaget',
          sampled_utc: '2025-03-07 07:00', resulted_utc: null,
        },
      ]);
      const rejects = await queryRows<{ source_line: bigint; reason: string }>(conn,
        `select source_line, reason from meta.rejects where source_line is not null order by source_line`);
      expect(rejects).toEqual([
        { source_line: 5n, reason: 'line is not valid JSON' },
      ]);
      const findings = await queryRows<{ record_key: string; check_id: string }>(conn,
        `select record_key, check_id from quality.row_findings where check_id like 'lab.%' order by record_key, check_id`);
      // the H flag agrees with 11.2 above 10.5; the result time before the sampling time does not;
      // the registered sample has no value and no reference interval yet, and needs none
      expect(findings).toEqual([
        { record_key: 'FHIR:o4', check_id: 'lab.time_order' },
      ]);
    });
  });

  it('names clinics as delivered when no clinic register is given, without calling them unregistered', async () => {
    const ws = await workspace();
    const file = await ws.put('Observation.ndjson', await readFile(join(here, 'observations.ndjson')));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.text).toContain('no clinic register given');
    expect(result.outputs.summary.byClinic.filter((c) => c.rows > c.rejected).map((c) => c.key)).toEqual(['61741000016007']);
    // o4 (time order) is the only unusable result; o5 is not yet answered
    expect(result.outputs.summary).toMatchObject({ rowsRead: 6, usable: 3, unusable: 1, pending: 1, rejected: 1 });
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const ids = await queryRows<{ check_id: string }>(conn, `select distinct check_id from quality.row_findings order by 1`);
      expect(ids.map((r) => r.check_id)).toEqual(['lab.time_order']);
    });
  });
  it('takes the patient from urn:uuid and URL references, and sets vital signs and surveys apart from the lab results', async () => {
    const ws = await workspace();
    const sor = [{ identifier: { system: 'urn:oid:1.2.208.176.1.1', value: '61741000016007' } }];
    const lab = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] };
    const obs = (id: string, extra: Record<string, unknown>) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', performer: sor, effectiveDateTime: '2025-03-04T09:15:00+01:00', issued: '2025-03-04T09:40:00+01:00', ...extra,
    });
    const glucose = { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] };
    const lines = [
      obs('a1', { category: [lab], code: glucose, subject: { reference: 'urn:uuid:1b2c3d4e-0000-4000-8000-000000000001' }, valueQuantity: { value: 95, unit: 'mg/dL' } }),
      obs('a2', {
        category: [{ coding: [{ code: 'vital-signs' }] }], code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
        subject: { reference: 'urn:uuid:1b2c3d4e-0000-4000-8000-000000000001' },
        component: [{ code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } }],
      }),
      obs('a3', {
        category: [{ coding: [{ code: 'survey' }] }], code: { coding: [{ system: 'http://loinc.org', code: '72166-2', display: 'Tobacco smoking status' }] },
        subject: { reference: 'urn:uuid:1b2c3d4e-0000-4000-8000-000000000002' }, valueCodeableConcept: { coding: [{ code: '266919005' }] },
      }),
      // no category: a lab-only export often leaves it out
      obs('a4', { code: glucose, subject: { reference: 'Patient/PATIENT9' }, valueQuantity: { value: 101, unit: 'mg/dL' } }),
      obs('a5', { category: [lab], code: glucose, subject: { reference: 'https://fhir.example.org/r4/Patient/PATIENT10' }, valueQuantity: { value: 88, unit: 'mg/dL' } }),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 3, rejected: 0, error: null, setApart: 2 }]);
    expect(result.outputs.summary.setApart).toEqual([
      { reason: 'not laboratory', category: 'survey', code: '72166-2', name: 'Tobacco smoking status', rows: 1 },
      { reason: 'not laboratory', category: 'vital-signs', code: '85354-9', name: 'Blood pressure panel', rows: 1 },
    ]);
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<{ record_id: string; patient: string }>(conn, `select record_id, patient from lab.results order by record_id`);
      expect(rows).toEqual([
        { record_id: 'a1', patient: '1b2c3d4e-0000-4000-8000-000000000001' },
        { record_id: 'a4', patient: 'PATIENT9' },
        { record_id: 'a5', patient: 'PATIENT10' },
      ]);
      const patientFindings = await queryRows(conn, `select * from quality.row_findings where column_name = 'patient' and severity = 'error'`);
      expect(patientFindings).toEqual([]);
    });
    const html = await readFile(result.outputs.report, 'utf8');
    expect(html).toContain('FHIR resources set apart');
  });

  it('reads the patient of a reference to one version of it (Patient/x/_history/n), and no patient from a Group', async () => {
    const ws = await workspace();
    const obs = (id: string, subject: string, value: number) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', effectiveDateTime: '2025-03-04T09:15:00+01:00', subject: { reference: subject },
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, valueQuantity: { value, unit: 'mg/dL' },
    });
    const lines = [
      obs('b1', 'Patient/PATIENT1', 95), obs('b2', 'Patient/PATIENT1/_history/2', 95),
      obs('b3', 'https://fhir.example.dk/Patient/PATIENT2/_history/1', 90), obs('b4', 'Patient/PATIENT2', 90),
      obs('b5', 'Group/g1', 99),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    // a Group is no patient: that result is kept without one, and unusable for saying so
    // (lab.patient_missing), as a delimited file's row without a patient is
    expect(result.files).toEqual([expect.objectContaining({ read: 5, rejected: 0 })]);
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<{ record_id: string; patient: string }>(conn, `select record_id, patient from lab.results where patient is not null order by record_id`);
      expect(rows.map((r) => r.patient)).toEqual(['PATIENT1', 'PATIENT1', 'PATIENT2', 'PATIENT2']);
      const missing = await queryRows<{ record_id: string }>(conn,
        `select r.record_id from quality.row_findings as f join lab.results as r on r.source_line = f.source_line where f.check_id = 'lab.patient_missing'`);
      expect(missing.map((r) => r.record_id)).toEqual(['b5']);
      // the same patient, analysis, time and value under another id: the second of each pair
      const dup = await queryRows<{ record_id: string }>(conn,
        `select r.record_id from quality.row_findings as f join lab.results as r on r.source_line = f.source_line where f.check_id = 'lab.duplicate' order by 1`);
      expect(dup.map((r) => r.record_id)).toEqual(['b2', 'b4']);
    });
  });

  it("reads a quantity's unit from its UCUM code, and no interval whose limits are in another unit than the value", async () => {
    const ws = await workspace();
    const ucum = (code: string, unit: string) => ({ value: 0, unit, system: 'http://unitsofmeasure.org', code });
    const obs = (id: string, npu: string, value: number, quantity: Record<string, unknown>, range?: Record<string, unknown>) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', effectiveDateTime: '2025-03-04T09:15:00+01:00', subject: { reference: `Patient/P${id}` },
      code: { coding: [{ system: 'http://npu-terminology.org', code: npu }] }, valueQuantity: { ...quantity, value },
      ...(range ? { referenceRange: [range] } : {}),
    });
    const mmol = (value: number) => ({ value, unit: 'mmol/l', system: 'http://unitsofmeasure.org', code: 'mmol/L' });
    const lines = [
      // display texts of US and Danish systems beside the UCUM code
      obs('u1', 'NPU02593', 7.1, ucum('10*3/uL', 'x10E3/uL')),
      obs('u2', 'NPU18016', 80, ucum('umol/L', 'micromol/L')),
      obs('u3', 'NPU03230', 4.1, ucum('mmol/L', 'mmol per liter')),
      obs('u4', 'NPU03230', 4.2, ucum('mmol/L', '')),
      // a haemoglobin in g/dL against an interval in mmol/L (13.5 g/dL is 8.4 mmol/L: inside)
      obs('u5', 'NPU02319', 13.5, ucum('g/dL', 'g/dL'), { low: mmol(7.3), high: mmol(9.5) }),
      // an interval in the value's unit, spelled otherwise, stays
      obs('u6', 'NPU02319', 8.4, ucum('mmol/L', 'mmol/L'), { low: { value: 7.3, unit: 'mmol/l' }, high: { value: 9.5, unit: 'mmol/l' } }),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.files).toEqual([expect.objectContaining({ read: 6, rejected: 0 })]);
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<Record<string, unknown>>(conn, `select record_id, unit, unit_status, ref_low, ref_high, ref_text from lab.results order by record_id`);
      expect(rows).toEqual([
        { record_id: 'u1', unit: '10*3/uL', unit_status: 'converted', ref_low: null, ref_high: null, ref_text: null },
        { record_id: 'u2', unit: 'umol/L', unit_status: 'canonical', ref_low: null, ref_high: null, ref_text: null },
        { record_id: 'u3', unit: 'mmol/L', unit_status: 'canonical', ref_low: null, ref_high: null, ref_text: null },
        { record_id: 'u4', unit: 'mmol/L', unit_status: 'canonical', ref_low: null, ref_high: null, ref_text: null },
        { record_id: 'u5', unit: 'g/dL', unit_status: 'converted', ref_low: null, ref_high: null, ref_text: 'given in another unit than the value, not compared' },
        { record_id: 'u6', unit: 'mmol/L', unit_status: 'canonical', ref_low: 7.3, ref_high: 9.5, ref_text: null },
      ]);
      const findings = await queryRows<{ check_id: string }>(conn, `select distinct check_id from quality.row_findings where check_id like 'lab.%' order by 1`);
      expect(findings.map((f) => f.check_id)).not.toContain('lab.unit_not_accepted');
      expect(findings.map((f) => f.check_id)).not.toContain('lab.flag_inconsistent');
    });
  });

  it('tells NDJSON, a Bundle, a resource over several lines and a file of another layout apart, and reads every form with an Observation', async () => {
    const ws = await workspace();
    const observation = { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2025-03-04T09:15:00+01:00', valueQuantity: { value: 5.10, unit: 'mmol/L' } };
    const patient = { resourceType: 'Patient', id: 'p1' };
    const bundle = await ws.put('pretty/bundle.json', JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient }, { resource: observation }] }, null, 2));
    const compact = await ws.put('compact.ndjson', `${JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: observation }] })}\n`);
    const pretty = await ws.put('pretty.ndjson', JSON.stringify(observation, null, 2));
    const array = await ws.put('array.json', JSON.stringify([observation, patient], null, 1));
    const ndjson = await ws.put('obs.ndjson', `${JSON.stringify(observation)}\n`);
    const patients = await ws.put('Patient.ndjson', `${JSON.stringify(patient)}\n${JSON.stringify({ ...patient, id: 'p2' })}\n`);
    const noObservation = await ws.put('bundle-of-patients.json', JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: patient }] }, null, 2));
    const csv = await ws.put('labs.csv', 'a,b\n1,2\n');
    expect(await fhirForm(bundle)).toBe('document');
    expect(await fhirForm(compact)).toBe('ndjson');
    expect(await fhirForm(pretty)).toBe('document');
    expect(await fhirForm(array)).toBe('document');
    expect(await fhirForm(ndjson)).toBe('ndjson');
    expect(await fhirForm(patients)).toEqual({ notRead: 'FHIR NDJSON of Patient resources, no Observation among them: nothing to evaluate' });
    expect(await fhirForm(noObservation)).toEqual({ notRead: 'a FHIR Bundle with no Observation in it: nothing to evaluate' });
    expect(await fhirForm(csv)).toBeNull();
    await expect(runLabQuality({ extracts: [patients], out: join(ws.root, 'out'), logger: pino({ level: 'silent' }) })).rejects.toThrow(/not read: Patient\.ndjson \(FHIR NDJSON of Patient resources, no Observation/);
    // each form read: the one Observation, named by its place in the document, its value as written
    for (const [file, name] of [[bundle, 'bundle.json#entry[1]'], [pretty, 'pretty.ndjson'], [array, 'array.json#[0]'], [compact, 'compact.ndjson#entry[0]']] as const) {
      const out = join(ws.root, `out-${name.replace(/\W/g, '_')}`);
      const result = await runLabQuality({ extracts: [file], out, keepDatabase: true, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
      expect(result.files.map((f) => [f.read, f.rejected, f.error])).toEqual([[1, 0, null]]);
      const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows(conn, `select source_file, source_line, value_text, value_num from lab.results`));
      expect(rows).toEqual([{ source_file: name, source_line: 1n, value_text: '5.1', value_num: 5.1 }]);
    }
  });

  it("calls the usual interval of results without a clinic that, not a clinic's", async () => {
    const ws = await workspace();
    const obs = (id: string, low: number, high: number) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', effectiveDateTime: '2025-03-04T09:15:00+01:00', subject: { reference: `Patient/P${id}` },
      code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] }, valueQuantity: { value: 4.2, unit: 'mmol/L' },
      referenceRange: [{ low: { value: low }, high: { value: high } }],
    });
    const file = await ws.put('Observation.ndjson', [obs('k1', 3.5, 5), obs('k2', 3.5, 5), obs('k3', 3.5, 5), obs('k4', 3.5, 5), obs('k5', 3, 5.5)].join('\n') + '\n');
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const found = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ detail: string }>(conn,
      `select detail from lab.row_findings where check_name = 'reference_unstable'`));
    expect(found).toEqual([{ detail: 'reference interval 3.0..5.5 differs from the usual interval of the results without a clinic, 3.5..5.0 for 2823-3' }]);
  });
});
