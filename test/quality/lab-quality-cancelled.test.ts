// Cancelled results: a FHIR Observation with status cancelled is set apart, not counted; the same
// results in a Danish laboratory system's export (';', decimal comma, Danish words: "Annulleret"
// in place of the value, "Annulleret svar" or "Aflyst" as the status) were errors, "neither a
// number, a censored value nor a known qualitative answer" or a missing value. Both fixtures are
// written by hand and hold the same nine results: three answered, five cancelled (one of them in
// a spelling only the mapping knows, "Udgået") and one still to come ("Under analyse" in the
// mapping's statuses; registered in FHIR).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.ts';
import { runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const silent = pino({ level: 'silent' });
const NOW = new Date('2024-12-01T00:00:00Z');
const MORE = { analysis_name: 'Analysenavn', ref_text: 'Referenceinterval', result_status: 'Status', resulted_at: 'Svartidspunkt' };
const STATUSES = 'statuses:\n  cancelled: ["Udgået"]\n  pending: ["Under analyse"]\n';

async function csv(statuses: string, respell: (text: string) => string = (t) => t): Promise<LabQualityResult> {
  const ws = await workspace();
  const file = await ws.put('export/LIS_2024-10.csv', respell(await readFile(join(here, 'lis-cancelled.csv'), 'utf8')));
  const mapping = await ws.put('m.yaml', `${statuses}${lisMapping('PatientID', MORE)}`);
  return runLabQuality({ extracts: [file], mapping, out: join(ws.root, 'out'), now: NOW, logger: silent });
}

async function fhir(): Promise<LabQualityResult> {
  const ws = await workspace();
  const file = await ws.put('Observation.ndjson', await readFile(join(here, 'dk-cancelled-observations.ndjson'), 'utf8'));
  return runLabQuality({ extracts: [file], out: join(ws.root, 'out'), now: NOW, logger: silent });
}

const counts = (r: LabQualityResult) => {
  const s = r.outputs.summary;
  return {
    read: s.rowsRead, usable: s.usable, unusable: s.unusable, pending: s.pending, rejected: s.rejected,
    setApart: s.setApart.reduce((n, c) => n + c.rows, 0), fileSetApart: r.files[0]!.setApart,
  };
};

describe('cancelled results in lab-quality', () => {
  it('are set apart in a Danish LIS export as in FHIR: the same counts, none unparseable or missing', async () => {
    const [fromCsv, fromFhir] = [await csv(STATUSES), await fhir()];
    const expected = { read: 4, usable: 3, unusable: 0, pending: 1, rejected: 0, setApart: 5, fileSetApart: 5 };
    expect(counts(fromFhir)).toEqual(expected);
    expect(counts(fromCsv)).toEqual(expected);
    expect(fromCsv.outputs.summary.checks.filter((c) => c.rows > 0).map((c) => c.checkId)).not.toContain('lab.value_unparseable');
    expect(fromCsv.outputs.summary.checks.filter((c) => c.rows > 0).map((c) => c.checkId)).not.toContain('lab.value_missing');
    // each with the word and the column that said so
    expect(fromCsv.outputs.summary.setApart.map((c) => [c.reason, c.code, c.rows])).toEqual([
      ['cancelled: not performed or not completed (result_status "Aflyst")', 'NPU19748', 1],
      ['cancelled: not performed or not completed (result_status "Annulleret svar")', 'NPU02319', 1],
      ['cancelled: not performed or not completed (result_status "Udgået")', 'NPU03429', 1],
      ['cancelled: not performed or not completed (result_status "cancelled")', 'NPU03429', 1],
      ['cancelled: not performed or not completed (value "Annulleret")', 'NPU03230', 1],
    ]);
    expect(fromCsv.outputs.text).toContain('cancelled results set apart (no lab result, not counted): 5 (');
    expect(fromCsv.outputs.text).toContain('value "Annulleret" 1');
  });

  it('without the mapping\'s statuses, knows the common spellings and calls the others what they are', async () => {
    const r = await csv('');
    // "Udgået" is no known spelling: an empty value, missing; "Under analyse" likewise
    expect(counts(r)).toEqual({ read: 5, usable: 3, unusable: 2, pending: 0, rejected: 0, setApart: 4, fileSetApart: 4 });
    expect(r.outputs.summary.checks.find((c) => c.checkId === 'lab.value_missing')?.rows).toBe(2);
  });

  it('knows the mapping\'s spellings as a typist varies them: spaces of any kind and number, case, a full stop', async () => {
    // the status column as another export writes it: "UNDER\u00a0 analyse.", "Udgået  " and
    // "Annulleret\u00a0svar" (a known spelling)
    const r = await csv(STATUSES, (t) => t.replace(';Under analyse;', ';UNDER\u00a0 analyse.;').replace(';Udgået;', ';udgået  ;')
      .replace(';Annulleret svar;', ';Annulleret\u00a0svar;'));
    expect(counts(r)).toEqual({ read: 4, usable: 3, unusable: 0, pending: 1, rejected: 0, setApart: 5, fileSetApart: 5 });
  });

  it('refuses a statuses key it does not know, or a spelling that is no text, naming the key', async () => {
    for (const [statuses, message] of [
      ['statuses:\n  canceled: ["Udgået"]\n', /m\.yaml: statuses\.canceled: found \["Udgået"\], expected one of cancelled, pending/],
      ['statuses:\n  pending: "Under analyse"\n', /m\.yaml: statuses\.pending: found "Under analyse", expected a list of status spellings/],
      ['statuses:\n  cancelled: ["Udgået"]\n  pending: ["udgået"]\n', /m\.yaml: statuses\.pending: found "udgået", expected a spelling not also listed under statuses\.cancelled/],
    ] as const) {
      const err = await csv(statuses).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(message);
    }
  });
});
