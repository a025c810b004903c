// The checks that need no catalogue entry, on a foreign extract of local and LOINC codes: the
// units each code comes in (mixed units named with the known factor between them) and a robust
// distribution per code and unit with its outliers. Medians, MADs and factors are worked out
// here from the rows written, not read back from the program.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mad = (xs: readonly number[]): number => median(xs.map((x) => Math.abs(x - median(xs))));
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const range = (n: number, from: number, step: number) => Array.from({ length: n }, (_, k) => Math.round((from + k * step) * 100) / 100);

// total protein (LOINC 2885-2) in g/dL: 20 ordinary values and 4 that are g/L under the g/dL label
const PROTEIN = [...range(20, 6.0, 0.1), 66, 70, 74, 78];
// albumin (a local code) mostly in g/L, six results in g/dL that follow their label
const ALB_GL = range(10, 38, 1);
const ALB_GDL = range(6, 3.8, 0.15);
// creatinine (a local code) in µmol/L, five results labelled mg/dL whose values are µmol/L values
const CREA_UMOL = range(10, 70, 2.5);
const CREA_MGDL = range(5, 72, 4);

describe('lab-quality checks that need no catalogue', () => {
  let out: string;
  let result: LabQualityResult;
  const findings = (check: string) => withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; detail: string }>(conn, `
    select r.record_id, f.detail from lab.row_findings as f join lab.results as r using (row_id) where f.check_name = '${check}' order by r.record_id`));

  beforeAll(async () => {
    const ws = await workspace();
    const rows = ['Id,Pt,Code,System,Val,Unit'];
    let id = 0;
    const add = (code: string, system: string, unit: string, values: readonly number[]) => {
      for (const v of values) rows.push(`r${String(++id).padStart(3, '0')},PT${id % 7},${code},${system},${v},${unit}`);
    };
    add('2885-2', 'LOINC', 'g/dL', PROTEIN);
    add('ALB', 'local', 'g/L', ALB_GL);
    add('ALB', 'local', 'g/dl', ALB_GDL);
    add('CREA', 'local', 'umol/L', CREA_UMOL);
    add('CREA', 'local', 'mg/dL', CREA_MGDL);
    // potassium in one unit, and three results without a value (nor a unit): not a second unit
    add('K', 'local', 'mmol/L', range(10, 3.5, 0.1));
    for (let k = 0; k < 3; k++) rows.push(`r${String(++id).padStart(3, '0')},PT${id % 7},K,local,,`);
    // sodium-like values, most of them one value: a MAD of 0
    add('FLAT', 'local', 'mmol/L', [...Array(30).fill(4), 4.1, 6.8]);
    // CRP mostly below the detection limit ('<5' mg/L, censored) and two numeric results in mg/dL
    for (let k = 0; k < 30; k++) rows.push(`r${String(++id).padStart(3, '0')},PT${id % 7},CRP,local,<5,mg/L`);
    add('CRP', 'local', 'mg/dL', [1.2, 2.5]);
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, code_system: System, value: Val, unit: Unit }', ''].join('\n'));
    out = join(ws.root, 'out');
    result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
  });

  it('does not count results without a value as a unit of their own', async () => {
    const k = result.outputs.summary.codeProfiles.filter((x) => x.analysis === 'K');
    expect(k.map((x) => [x.unit, x.results, x.share, x.units])).toEqual([['mmol/L', 10, 1, 1]]);
    const mixed = await findings('unit_mixed');
    expect(mixed.filter((f) => f.detail.startsWith('K '))).toEqual([]);
  });

  it('says where outliers were not judged: too few values, or half or more of them one value (MAD 0)', async () => {
    const of = (analysis: string) => result.outputs.summary.codeProfiles.find((x) => x.analysis === analysis)!;
    expect(of('FLAT')).toMatchObject({ results: 32, outliers: 0, outliersNotJudged: 'mad_zero' });
    expect(of('FLAT').distribution!.mad).toBe(0);
    expect(of('K')).toMatchObject({ outliers: 0, outliersNotJudged: 'too_few' });
    const html = await readFile(result.outputs.report, 'utf8');
    expect(html).toMatch(/<td>FLAT<\/td>.*?not judged: MAD 0/s);
  });

  it('takes the unit of the most results with a value, censored ones too, as the main one, and flags the others', async () => {
    const crp = result.outputs.summary.codeProfiles.filter((x) => x.analysis === 'CRP');
    expect(crp.map((x) => [x.unit, x.results, x.mainUnit])).toEqual(expect.arrayContaining([['mg/L', 30, 'mg/L'], ['mg/dL', 2, 'mg/L']]));
    const mixed = (await findings('unit_mixed')).filter((f) => f.detail.startsWith('CRP '));
    expect(mixed).toHaveLength(2);
    expect(mixed.every((f) => f.detail.includes('mg/dL (6.3% of its results with a value) is not the main mg/L'))).toBe(true);
  });

  it('gives every code\'s units with their shares and a robust distribution in each', () => {
    const p = result.outputs.summary.codeProfiles;
    const of = (analysis: string, unit: string) => p.find((x) => x.analysis === analysis && x.unit === unit)!;
    expect(of('ALB', 'g/dL')).toMatchObject({ results: 6, share: 6 / 16, units: 2, mainUnit: 'g/L' });
    expect(of('ALB', 'g/L')).toMatchObject({ results: 10, share: 10 / 16, verdict: null });
    const protein = of('2885-2', 'g/dL');
    expect(protein).toMatchObject({ results: 24, units: 1, verdict: null, outliers: 4, outliersNotJudged: null });
    expect(protein.distribution!.median).toBeCloseTo(median(PROTEIN), 9);
    expect(protein.distribution!.mad).toBeCloseTo(mad(PROTEIN), 9);
    // mixed units first
    expect(p.slice(0, 4).map((x) => x.analysis)).toEqual(['ALB', 'ALB', 'CREA', 'CREA']);
  });

  it('flags the values of a total protein that are g/L under a g/dL label, naming the factor', async () => {
    const m = median(PROTEIN);
    const d = mad(PROTEIN);
    const far = PROTEIN.filter((v) => Math.abs((0.6745 * (v - m)) / d) > 5);
    expect(far).toEqual([66, 70, 74, 78]);
    const f = await findings('outlier');
    expect(f.map((x) => x.record_id)).toEqual(['r021', 'r022', 'r023', 'r024']);
    expect(f[0]!.detail).toBe(`value 66 g/dL is far from the other 2885-2 values in that unit (median ${r3(m)}, MAD ${r3(d)}, robust z ${
      Math.round((0.6745 * (66 - m)) / d * 10) / 10}); about 10 times the median, as if it were in g/L`);
  });

  it('names a mix of units that follow their labels, and one whose label is wrong, with the known factor', async () => {
    const f = (await findings('unit_mixed')).filter((x) => !x.detail.startsWith('CRP '));
    // rows 35-40 (albumin in g/dL) and 51-55 (creatinine "in mg/dL")
    expect(f.map((x) => x.record_id)).toEqual(['r035', 'r036', 'r037', 'r038', 'r039', 'r040', 'r051', 'r052', 'r053', 'r054', 'r055']);
    // albumin: 1 g/dL = 10 g/L, and the g/dL values times 10 are near the g/L ones
    const alb = median(ALB_GDL);
    expect(f[0]!.detail).toBe(`ALB comes in 2 units; g/dL (37.5% of its results with a value) is not the main g/L: its values follow the label (median ${r3(alb)}, times the known factor 10 = ${r3(alb * 10)} g/L): convertible`);
    // a local code names no analysis: 1 mg/dL is 17.1 (bilirubin) to 88.4 (creatinine) µmol/L in the
    // catalogue, and the "mg/dL" values are where the µmol/L ones are
    expect(f.at(-1)!.detail).toBe(`CREA comes in 2 units; mg/dL (33.3% of its results with a value) is not the main µmol/L: its values look like µmol/L values (median ${
      r3(median(CREA_MGDL))} against ${r3(median(CREA_UMOL))}) although 1 mg/dL = 17.1 to 88.4 µmol/L (by analysis): one of the labels is wrong`);
  });

  it('counts both as warnings: the rows stay usable', () => {
    const s = result.outputs.summary;
    // all but the three potassium results without a value (the two CRP in mg/dL stay usable too)
    expect(s.usable).toBe(s.rowsRead - 3);
    expect(s.checks.filter((c) => ['lab.unit_mixed', 'lab.outlier'].includes(c.checkId)).map((c) => [c.checkId, c.severity, c.rows]))
      .toEqual(expect.arrayContaining([['lab.unit_mixed', 'warn', 11 + 2], ['lab.outlier', 'warn', 4]]));
  });
});

describe('an outlier of an analysis in the catalogue', () => {
  it('is explained by that analysis\' own unit factors only, not by another analysis\' that happens to fit', async () => {
    const ws = await workspace();
    // glucose (LOINC 2345-7, linked to NPU02187) in mmol/L: 24 ordinary values, one 4.008 times
    // their median (ionised calcium's mmol/L -> mg/dL factor: no glucose conversion), one 18.02
    // times it (glucose's own mmol/L -> mg/dL, 1 / 0.0555)
    const usual = range(24, 5.0, 0.05);
    const m = median(usual);
    const values = [...usual, Math.round(m * 4.008 * 100) / 100, Math.round(m * 18.02 * 100) / 100];
    const rows = ['Id,Pt,Code,System,Val,Unit', ...values.map((v, i) => `g${String(i + 1).padStart(2, '0')},PT${i % 5},2345-7,LOINC,${v},mmol/L`)];
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, code_system: System, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const f = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; detail: string }>(conn, `
      select r.record_id, f.detail from lab.row_findings as f join lab.results as r using (row_id) where f.check_name = 'outlier' order by r.record_id`));
    expect(f.map((x) => x.record_id)).toEqual(['g25', 'g26']);
    expect(f[0]!.detail).not.toContain('times the median');
    expect(f[1]!.detail).toMatch(/; about 18\.0\d+ times the median, as if it were in mg\/dL$/);
  });
});

describe('two names of one unit', () => {
  it('are no mix: potassium in mEq/L beside mmol/L (the catalogue converts them by 1) is not flagged', async () => {
    const ws = await workspace();
    const rows = ['Id,Pt,Code,Val,Unit'];
    for (let i = 0; i < 30; i++) rows.push(`k${i},P${i},NPU03230,${(3.5 + 0.05 * i).toFixed(2)},mmol/L`);
    for (let i = 0; i < 3; i++) rows.push(`e${i},Q${i},NPU03230,${(4 + 0.1 * i).toFixed(1)},mEq/L`);
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary.checks.find((c) => c.checkId === 'lab.unit_mixed')?.rows ?? 0).toBe(0);
    expect(result.outputs.summary.codeProfiles.map((p) => [p.unit, p.mainUnit, p.verdict])).toEqual(expect.arrayContaining([['mEq/L', 'mmol/L', null]]));
  });
});

describe('two units in equal numbers', () => {
  it('take the catalogue\'s unit as the main one, and flag the other', async () => {
    const ws = await workspace();
    // glucose (LOINC 2345-7, linked to P-Glucose NPU02192 in mmol/L): six results in mg/dL, six in mmol/L
    const rows = ['Id,Pt,Code,System,Val,Unit'];
    for (let i = 0; i < 6; i++) rows.push(`d${i},P${i},2345-7,LOINC,${90 + 4 * i},mg/dL`, `m${i},Q${i},2345-7,LOINC,${(5 + 0.2 * i).toFixed(1)},mmol/L`);
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, code_system: System, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary.codeProfiles.filter((p) => p.analysis === 'NPU02192').map((p) => [p.unit, p.mainUnit]).sort())
      .toEqual([['mg/dL', 'mmol/L'], ['mmol/L', 'mmol/L']]);
    const flagged = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string }>(conn, `
      select r.record_id from lab.row_findings as f join lab.results as r using (row_id) where f.check_name = 'unit_mixed' order by 1`));
    expect(flagged.map((f) => f.record_id)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
  });
});

describe('a result without a unit', () => {
  const mapping = ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
    '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, code_system: System, value: Val, unit: Unit }', ''].join('\n');
  const run = async (rows: readonly string[]) => {
    const ws = await workspace();
    await ws.put('export/results.csv', `${['Id,Pt,Code,System,Val,Unit', ...rows].join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping: await ws.put('m.yaml', mapping), out,
      now: new Date('2024-12-01T00:00:00Z'), keepDatabase: true, logger: pino({ level: 'silent' }) });
    const findings = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; check_name: string; detail: string }>(conn, `
      select r.record_id, f.check_name, f.detail from lab.row_findings as f join lab.results as r using (row_id)
      where f.check_name in ('unit_missing', 'unit_mixed') order by 1, 2`));
    return { result, findings };
  };

  it('of a catalogue analysis is missing its unit, not in a second unit, whichever most results have', async () => {
    // haemoglobin in mmol/L with one result without a unit; and one analysis of mostly no unit
    const rows = [...Array.from({ length: 6 }, (_, i) => `h${i},P${i},NPU02319,NPU,${(8 + 0.1 * i).toFixed(1)},mmol/L`), 'h9,P9,NPU02319,NPU,8.3,',
      ...Array.from({ length: 6 }, (_, i) => `k${i},Q${i},NPU03230,NPU,${(4 + 0.1 * i).toFixed(1)},`), 'k9,Q9,NPU03230,NPU,4.2,mmol/L'];
    const { result, findings } = await run(rows);
    expect(findings.map((f) => [f.record_id, f.check_name])).toEqual([['h9', 'unit_missing'], ...Array.from({ length: 6 }, (_, i) => [`k${i}`, 'unit_missing'])]);
    // no unit is no unit of the analysis: neither its main one nor a second one
    const profiles = result.outputs.summary.codeProfiles.filter((p) => ['NPU02319', 'NPU03230'].includes(p.analysis));
    expect(profiles.map((p) => [p.analysis, p.unit, p.units, p.mainUnit, p.verdict]).sort()).toEqual([
      ['NPU02319', null, 1, 'mmol/L', null], ['NPU02319', 'mmol/L', 1, 'mmol/L', null],
      ['NPU03230', null, 1, 'mmol/L', null], ['NPU03230', 'mmol/L', 1, 'mmol/L', null],
    ]);
  });

  it('of a code the catalogue does not know is missing the unit its other results name, and theirs is no mix', async () => {
    // a FHIR-style export: CRP as valueString ("<5", "5,2": no unit) beside one valueQuantity in mg/dL
    const { result, findings } = await run(['r1,PT1,CRPX,local,<5,', 'r2,PT2,CRPX,local,5.2,', 'r3,PT3,CRPX,local,0.8,mg/dL']);
    expect(findings).toEqual(['r1', 'r2'].map((record_id) => ({ record_id, check_name: 'unit_missing',
      detail: 'no unit given; other results of CRPX are in mg/dL (not assumed for this one)' })));
    expect(result.outputs.summary.checks.find((c) => c.checkId === 'lab.unit_mixed')?.rows ?? 0).toBe(0);
  });
});
