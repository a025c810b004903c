// lab-quality on a FHIR R4 bulk export written the way a US record system writes it
// (test/fixtures/lab/synthea-observations.ndjson, built by hand after Synthea's output):
// urn:uuid references, LOINC codes in US units, blood pressure as component[], smoking status and
// urine dipsticks as valueCodeableConcept, categories laboratory / vital-signs / survey.
// Every expected figure is worked out by hand from the fixture's twelve lines.
import { readFile } from 'node:fs/promises';
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
    result = await runLabQuality({ extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
  }, 120_000);

  it('makes each component of a panel a result of its own, linked to its Observation', async () => {
    // 12 lines: 2 set apart (vital signs, survey); line 8 is a panel without a value of its own and
    // two components: 9 single results + 2 components = 11 results
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 11, rejected: 0, error: null }]);
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
      { category: 'survey', code: '72166-2', name: 'Tobacco smoking status', rows: 1 },
      { category: 'vital-signs', code: '85354-9', name: 'Blood pressure panel with all children optional', rows: 1 },
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

  it('takes the patient from the urn:uuid reference', async () => {
    const patients = await query<{ patient: string; n: bigint }>(`select patient, count(*) as n from lab.results group by 1 order by 1`);
    expect(patients).toEqual([
      { patient: '3e9a7c44-1b2d-4f60-8a19-5d6e7f801b02', n: 7n },
      { patient: '8c1f2b0e-6d1a-4c3b-9e55-0a7d3f1b2c01', n: 4n },
    ]);
  });
});
