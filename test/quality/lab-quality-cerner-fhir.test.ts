// lab-quality on a FHIR R4 export written the way Oracle Health (Cerner) writes it
// (test/fixtures/lab/cerner-style-observations.ndjson, built by hand): a local code before the
// LOINC one, effectivePeriod (one with its start only) or only `issued`, valueString "<5", "5,2"
// and "Negative", valueRange, valueRatio, dataAbsentReason without a value, v3 interpretations
// (H, L, A, N, HH, LL), a reference range as text only, the subject as an identifier or
// "Patient/123", a panel with hasMember, status amended, corrected and entered-in-error, offsets
// +01:00, -05:00 and Z, a Patient line and a searchset Bundle on a line of its own. One subject
// identifier and one name are a CPR number (010203-1234).
// Every expected figure is worked out by hand from the fixture's 17 lines.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';

describe('lab-quality on a Cerner-style FHIR export', () => {
  let out: string;
  let result: LabQualityResult;
  const logged: string[] = [];

  beforeAll(async () => {
    const ws = await workspace();
    const file = await ws.put('fhir/Observation.ndjson', await readFile(join(here, 'cerner-style-observations.ndjson'), 'utf8'));
    out = join(ws.root, 'out');
    result = await runLabQuality({ extracts: [file], out, now: new Date('2024-06-01T00:00:00Z'), logger: pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }) });
  });

  it('counts every line once: 15 results, 12 usable, 3 not (no value, no sampling time, a CPR number as patient), 3 set apart', () => {
    const s = result.outputs.summary;
    expect({ read: s.rowsRead, usable: s.usable, unusable: s.unusable, pending: s.pending, rejected: s.rejected })
      .toEqual({ read: 15, usable: 12, unusable: 3, pending: 0, rejected: 0 });
    // the panel, the withdrawn Observation and the Patient: 15 + 3 = the 16 lines of one resource and the Bundle's 2 entries
    expect(s.setApart.map((c) => [c.code, c.rows])).toEqual([['Patient', 1], ['24323-8', 1], ['2700655', 1]]);
    expect(s.byAnalysis.reduce((n, a) => n + a.rows, 0)).toBe(15);
  });

  it('judges the values against the intervals given as limits or as text, with the v3 flags (HH and LL included) pointing their way', () => {
    const outside = Object.fromEntries(result.outputs.summary.outsideReference.map((o) => [o.analysis, [o.withInterval, o.below, o.above, o.outsideFlagged]]));
    // potassium: o1 5.4 H and o12 6.8 HH above 3.5-5.0 (text), o2 3.2 L and o13 2.1 LL below, b2 4.4 inside
    // sodium: o14 150 A above, b1 136 L below, o11 140 inside; CRP: "5,2" and 0.8 mg/dL (8 mg/L) inside "<10 mg/L"
    expect(outside).toEqual({ NPU03230: [5, 2, 2, 4], NPU03429: [3, 1, 1, 2], NPU19748: [2, 0, 0, 0] });
  });

  it('warns of the Observations set apart and of the Patient each as what it is, as the terminal does', () => {
    const said = logged.map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg);
    expect(said).toContain('2 Observations set apart as no lab result (another category, withdrawn, cancelled, a panel without a value, an older version): not counted');
    expect(said).toContain('1 other resource than Observation set apart: not counted');
  });

  it('names every check it found, the CRPs given as text without a unit as lab.unit_missing only, not also in a second unit', () => {
    // "5,2" and "<5" (valueString, no unit) beside 0.8 mg/dL: no unit is no unit of the analysis
    expect(result.outputs.text).toContain('biggest problems (rows flagged; every check in the report\'s "Findings by check"):');
    expect(result.outputs.text).toMatch(/^ {2}2 lab\.unit_missing \(warn; column unit; most in NPU19748 P-CRP\)/m);
    expect(result.outputs.summary.checks.find((c) => c.checkId === 'lab.unit_mixed')?.rows ?? 0).toBe(0);
  });

  it('writes no CPR number into any output', async () => {
    for (const f of await readdir(out)) {
      const text = (await readFile(join(out, f))).toString('latin1');
      expect(text, f).not.toMatch(/010203-?1234/);
    }
  });
});
