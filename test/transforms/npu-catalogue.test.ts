import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, problemText } from '../../config/errors.ts';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';
import {
  checkAgainstOfficial, defaultCataloguePath, loadCatalogue, loadOfficialNpu, parseCatalogue,
  writeCatalogueTables, type NpuCatalogue,
} from '../../transforms/reference/npu-catalogue.ts';
import { defaultSpecialtiesPath, loadSpecialties, writeSpecialtyTable } from '../../transforms/reference/specialties.ts';
import { openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

const referenceDir = fileURLToPath(new URL('../../../shared/reference', import.meta.url));
const subsetFile = join(referenceDir, 'npu_codes_subset.csv');
const limitsFile = join(referenceDir, 'lab_plausibility_limits_draft.csv');

let db: MacroDb;
let catalogue: NpuCatalogue;
beforeAll(async () => {
  db = await openMacroDb();
  catalogue = await loadCatalogue(defaultCataloguePath);
  await writeCatalogueTables(db.conn, catalogue);
});
afterAll(() => db?.close());

const rows = <T = Record<string, unknown>>(sql: string) => queryRows<T>(db.conn, sql);

describe('the NPU catalogue', () => {
  it('holds at least 40 analyses, covering what specialist practice measures', () => {
    expect(catalogue.analyses.length).toBeGreaterThanOrEqual(40);
    const codes = new Set(catalogue.analyses.map((a) => a.code));
    const wanted = {
      'blood count and differential': ['NPU02593', 'NPU02902', 'NPU02636', 'NPU02840', 'NPU01933', 'NPU01349', 'NPU03568'],
      Hb: ['NPU02319'], HbA1c: ['NPU27300'], glucose: ['NPU22089', 'NPU02187', 'NPU21531'], CRP: ['NPU19748'],
      creatinine: ['NPU18016', 'NPU04998'], electrolytes: ['NPU03230', 'NPU03429'], 'liver enzymes': ['NPU19651', 'NPU19654'],
      lipids: ['NPU01566', 'NPU01567', 'NPU01568', 'NPU04094'], TSH: ['NPU03577'], INR: ['NPU01685'], urate: ['NPU03688'],
      ESR: ['NPU03404'], 'urine stix': ['NPU04206', 'NPU04207', 'NPU04208', 'NPU03987', 'NPU21578'], 'U-HCG': ['NPU10394'],
    };
    for (const [group, list] of Object.entries(wanted)) for (const c of list) expect(codes.has(c), `${group}: ${c}`).toBe(true);
  });

  it('names a known source for every fact, and says so where a limit is set by judgement', () => {
    const keys = Object.keys(catalogue.sources);
    const known = (s: string) => keys.includes(s.split(':')[0]!.trim());
    for (const a of catalogue.analyses) {
      expect(known(a.source), a.code).toBe(true);
      for (const b of [a.hard, a.soft, a.critical]) if (b) expect(known(b.source), `${a.code} ${b.source}`).toBe(true);
      for (const u of a.units) expect(known(u.source), `${a.code} ${u.unit}`).toBe(true);
      expect(known(a.specialties.source), a.code).toBe(true);
    }
    expect(catalogue.analyses.filter((a) => a.soft?.source.startsWith('judgement')).length).toBeGreaterThan(10);
  });

  it('spells every unit as unit_normalise does, so delivered units join on text', async () => {
    const bad = await rows<{ code: string; unit: string; normalised: string }>(
      `select code, unit, unit_normalise(unit) as normalised from ref.npu_units where unit_normalise(unit) is distinct from unit
       union all
       select code, unit, unit_normalise(unit) from ref.npu_retired where unit is not null and unit_normalise(unit) is distinct from unit`,
    );
    expect(bad).toEqual([]);
  });

  it('converts the known unit mix-ups to the canonical unit (HbA1c %, Hb g/dL, glucose and creatinine mg/dL)', async () => {
    const got = await rows<{ code: string; unit: string; converted: number }>(
      `with delivered(code, value, unit) as (values
           ('NPU27300', 6.5, '%'), ('NPU02319', 14.0, 'g/dl'), ('NPU22089', 100.0, 'mg/dL'), ('NPU18016', 1.0, 'mg/dL'),
           ('NPU02593', 7.2, 'x10E9/L'), ('NPU02593', 7200, '/µL'), ('NPU19748', 100, 'nmol/L')),
       numbered as (select row_number() over () as i, * from delivered)
       select numbered.code, numbered.unit, round(value * factor + "offset", 3) as converted
       from numbered join ref.npu_units u on u.code = numbered.code and u.unit = unit_normalise(numbered.unit)
       order by i`,
    );
    expect(got.map((r) => [r.code, r.converted])).toEqual([
      ['NPU27300', 47.541], ['NPU02319', 8.688], ['NPU22089', 5.55], ['NPU18016', 88.4],
      ['NPU02593', 7.2], ['NPU02593', 7.2], ['NPU19748', 10.5],
    ]);
  });

  it('names the successor of retired codes, with the conversion of the old unit', async () => {
    const got = await rows<{ code: string; successor: string; converted: number }>(
      `select code, successor, round(6.5 * factor + "offset", 3) as converted from ref.npu_retired order by code`,
    );
    expect(got).toContainEqual({ code: 'NPU01129', successor: 'NPU19651', converted: 6.5 });
    expect(got).toContainEqual({ code: 'NPU03835', successor: 'NPU27300', converted: 47.541 });
  });

  it('lists ordinal and nominal answers in the spelling lab_value_parse gives them', async () => {
    const bad = await rows(
      `select code, v from ref.npu_analyses, unnest(allowed_values) as t(v)
       where lab_value_parse(v, null, ',').qualitative is distinct from v`,
    );
    expect(bad).toEqual([]);
    const [counts] = await rows<{ ordinal: bigint; nominal: bigint }>(
      `select count(*) filter (where result_type = 'ordinal') as ordinal, count(*) filter (where result_type = 'nominal') as nominal from ref.npu_analyses`,
    );
    expect(Number(counts!.ordinal)).toBeGreaterThanOrEqual(5);
    expect(Number(counts!.nominal)).toBeGreaterThanOrEqual(2);
  });

  it('keeps soft bands inside hard limits and refers only to active specialties', async () => {
    const bad = await rows(
      `select code from ref.npu_analyses where soft_low < hard_low or soft_high > hard_high or hard_low >= hard_high`,
    );
    expect(bad).toEqual([]);
    const active = (await loadSpecialties()).filter((s) => !s.retired).map((s) => s.code);
    for (const a of catalogue.analyses) for (const c of a.specialties.codes) expect(active, `${a.code} specialty ${c}`).toContain(c);
  });

  it('writes the ref tables when the lab layer calls it with a connection and its configuration', async () => {
    const other = await openMacroDb();
    const dir = await mkdtemp(join(tmpdir(), 'fangst-npu-'));
    try {
      const npuFile = join(dir, 'npu.csv.gz');
      await writeFile(npuFile, gzipSync('code,text,unit,active\nNPU02319,B—Hæmoglobin(Fe),mmol/L,1\n'));
      const loaded = await loadCatalogue(other.conn, { reference: { npuFile } });
      const [r] = await queryRows<{ analyses: bigint; units: bigint; retired: bigint; official: bigint }>(
        other.conn,
        `select (select count(*) from ref.npu_analyses) as analyses, (select count(*) from ref.npu_units) as units,
                (select count(*) from ref.npu_retired) as retired, (select count(*) from ref.npu_official) as official`,
      );
      expect(Number(r!.analyses)).toBe(loaded.analyses.length);
      expect(Number(r!.units)).toBeGreaterThan(loaded.analyses.length);
      expect(Number(r!.retired)).toBe(loaded.retired.length);
      expect(Number(r!.official)).toBe(1);
    } finally {
      other.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('catalogue validation', () => {
  const text = () => readFile(defaultCataloguePath, 'utf8');
  const problemsOf = (yaml: string): string[] => {
    try {
      parseCatalogue(yaml, '/x/npu-catalogue.yaml', { specialties: [1, 4, 6, 7, 9, 18, 21, 24, 25, 26, 81, 82, 83] });
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map(problemText);
      throw err;
    }
    return [];
  };

  it('accepts the project catalogue', async () => {
    expect(problemsOf(await text())).toEqual([]);
  });

  it('names the file, the key, what was found and what was expected', async () => {
    const broken = (await text())
      .replace('hard: { low: 1.0, high: 15.5, source: limits_draft }', 'hard: { low: "1,0", high: 15.5, source: limits_draft }')
      .replace('code: NPU02593', 'code: NPU2593')
      .replace('unit: mmol/mol\n', 'unit: mmol/mol\n    colour: red\n')
      .replace('specialties: { codes: [7, 25, 81, 82], source: judgement }', 'specialties: { codes: [7, 8, 82], source: judgement }')
      .replace("source: \"judgement: at most half the leukocyte hard limit\"", 'source: "a feeling"')
      .replace('successor: NPU19651', 'successor: NPU99999');
    const problems = problemsOf(broken);
    const expectProblem = (re: RegExp) => expect(problems.some((p) => re.test(p)), `${re}\n${problems.join('\n')}`).toBe(true);
    expectProblem(/^\/x\/npu-catalogue\.yaml: analyses\[0\] \(NPU02319\)\.hard\.low: found "1,0", expected a number$/);
    expectProblem(/analyses\[1\] \(NPU2593\)\.code: found "NPU2593", expected 'NPU' or 'DNK' \+ 5 digits/);
    expectProblem(/\(NPU27300\)\.colour: found an unknown key, expected one of code, name/);
    expectProblem(/\.specialties\.codes: found 8, expected an active specialty code /);
    expectProblem(/\(NPU02902\)\.hard\.source: found "a feeling", expected a source starting with one of npu_subset, /);
    expectProblem(/retired\[0\] \(NPU01129\)\.successor: found "NPU99999", expected the code of an analysis in this catalogue/);
  });

  it('refuses limits in the wrong order, a soft band outside the hard limits and units on a stix result', async () => {
    const broken = (await text())
      .replace('hard: { low: 0.5, high: 12, source: limits_draft }', 'hard: { low: 12, high: 0.5, source: limits_draft }')
      .replace('soft: { low: 110, high: 170, source: judgement }', 'soft: { low: 10, high: 170, source: judgement }')
      .replace('values: [neg, pos]\n    specialties: { codes: [7, 9, 25], source: judgement }\n\n  - code: NPU10506',
        'values: [neg, pos]\n    unit: mmol/L\n    specialties: { codes: [7, 9, 25], source: judgement }\n\n  - code: NPU10506');
    const problems = problemsOf(broken);
    expect(problems.some((p) => /\(NPU03230\)\.hard: found "low 12, high 0.5", expected low < high/.test(p)), problems.join('\n')).toBe(true);
    expect(problems.some((p) => /\(NPU03429\)\.soft: found "10\.\.170", expected a band inside the hard limits 50\.\.225/.test(p))).toBe(true);
    expect(problems.some((p) => /\(NPU21578\)\.unit: found "mmol\/L", expected no unit for a nominal result/.test(p))).toBe(true);
  });

  it('refuses a LOINC link with a wrong check digit, to a code it does not hold, or without a known source', async () => {
    const broken = (await text())
      .replace('code: 2339-0, npu: NPU02187', 'code: 2339-1, npu: NPU02187')
      .replace('code: 2345-7, npu: NPU02192', 'code: 2345-7, npu: NPU99999')
      .replace('source: "loinc_names: serum/plasma creatinine = P—Kreatininium"', 'source: "a web page"');
    expect(problemsOf(broken)).toEqual([
      "/x/npu-catalogue.yaml: loinc[0] (2339-1).code: found \"2339-1\", expected check digit 0 (LOINC's mod 10 of 2339)",
      '/x/npu-catalogue.yaml: loinc[1] (2345-7).npu: found "NPU99999", expected a code of the analyses above',
      expect.stringMatching(/^\/x\/npu-catalogue\.yaml: loinc\[2\] \(2160-0\)\.source: found "a web page", expected a source starting with one of .*loinc_names/),
    ]);
  });

  it('links only LOINC codes whose NPU code is in the catalogue, each with its source', async () => {
    const catalogue = parseCatalogue(await text(), '/x/npu-catalogue.yaml', { specialties: [1, 4, 6, 7, 9, 18, 21, 24, 25, 26, 81, 82, 83] });
    const codes = new Set(catalogue.analyses.map((a) => a.code));
    expect(catalogue.loinc.length).toBeGreaterThanOrEqual(10);
    expect(catalogue.loinc.filter((l) => !codes.has(l.npu) || !l.source.startsWith('loinc_names'))).toEqual([]);
    expect(Object.fromEntries(catalogue.loinc.map((l) => [l.loinc, l.npu]))).toMatchObject({
      '2345-7': 'NPU02192', '2160-0': 'NPU18016', '718-7': 'NPU02319', '4548-4': 'NPU27300', '2823-3': 'NPU03230', '2951-2': 'NPU03429', '1742-6': 'NPU19651',
    });
  });

  it('says which file could not be read', async () => {
    await expect(loadCatalogue('/nonexistent/npu-catalogue.yaml')).rejects.toThrow(/\/nonexistent\/npu-catalogue\.yaml/);
  });
});

describe('unit_normalise', () => {
  it('spells the units clinics send the way the catalogue does', async () => {
    const sent = ['mmol/l', 'mmol/L', ' MMOL/L ', '10^9/l', 'x10E9/L', '× 10^9/L', '10*9/L', 'mia/L', 'µmol/L', 'umol/L', 'μmol/L',
      'g/dl', 'mg/dL', '× 10^-3 IU/L', 'mU/L', 'mL/min/1,73 m²', 'mm/t', '', null, 'Blodigt'];
    const got = await rows<{ u: string | null }>(`select unit_normalise(x) as u from unnest([${sent.map((x) => (x === null ? 'null' : sqlString(x))).join(', ')}]) with ordinality t(x, i) order by i`);
    expect(got.map((r) => r.u)).toEqual(['mmol/L', 'mmol/L', 'mmol/L', '10^9/L', '10^9/L', '10^9/L', '10^9/L', '10^9/L', 'µmol/L', 'µmol/L', 'µmol/L',
      'g/dL', 'mg/dL', 'mIU/L', 'mIU/L', 'mL/min/1.73m²', 'mm/h', null, null, 'Blodigt']);
  });

  it('ignores letter case and spaces in every catalogue unit, and is idempotent', async () => {
    const units = [...new Set(catalogue.analyses.flatMap((a) => [a.unit, ...a.units.map((u) => u.unit)]).filter((u): u is string => !!u))];
    const variants = units.flatMap((u) => [u, u.toUpperCase(), u.toLowerCase(), ` ${u.split('/').join(' / ')} `].map((v) => [u, v] as const));
    const got = await rows<{ unit: string; once: string; twice: string }>(
      `select unit, unit_normalise(v) as once, unit_normalise(unit_normalise(v)) as twice
       from (values ${variants.map(([u, v]) => `(${sqlString(u)}, ${sqlString(v)})`).join(', ')}) t(unit, v)`,
    );
    for (const r of got) expect([r.once, r.twice], r.unit).toEqual([r.unit, r.unit]);
  });
});

describe('specialties', () => {
  it('lists the seed table codes, with 8 retired into 81/82/83, and fills ref.specialties', async () => {
    const list = await loadSpecialties(defaultSpecialtiesPath);
    expect(list.map((s) => s.code)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 23, 24, 25, 26, 81, 82, 83]);
    expect(list.find((s) => s.code === 8)).toMatchObject({ name: 'Intern medicin', retired: true, successors: [81, 82, 83] });
    await writeSpecialtyTable(db.conn, list);
    const got = await rows<{ specialty: number; name: string }>(`select specialty, name from ref.specialties where not retired and specialty in (3, 82) order by 1`);
    expect(got).toEqual([{ specialty: 3, name: 'Diagnostisk radiologi, København' }, { specialty: 82, name: 'Kardiologi' }]);
  });
});

describe('an official NPU export (reference.npu_file)', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'fangst-npu-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('loads code, text, unit and active flag, and names catalogue codes it lacks or has retired', async () => {
    const file = join(dir, 'npu-export.csv');
    const listed = catalogue.analyses.filter((a) => a.code !== 'NPU03404' && a.code !== 'NPU10394');
    const lines = ['Code;Text;Unit;Active', ...listed.map((a) => `${a.code};"${a.name}";${a.unit ?? ''};${a.code === 'NPU02192' ? 'nej' : 'ja'}`),
      'NPU99990;"P—Noget andet; stofk. = ? mmol/L";mmol/L;ja'];
    await writeFile(file, lines.join('\n'));
    expect(await loadOfficialNpu(db.conn, file)).toBe(listed.length + 1);
    expect(await checkAgainstOfficial(db.conn)).toEqual([
      { code: 'NPU02192', problem: 'inactive' }, { code: 'NPU03404', problem: 'missing' }, { code: 'NPU10394', problem: 'missing' },
    ]);
    const [beyond] = await rows<{ n: bigint }>(`select count(*) as n from ref.npu_official where code not in (select code from ref.npu_analyses)`);
    expect(Number(beyond!.n)).toBe(1);
  });

  it('says which columns are missing', async () => {
    const file = join(dir, 'wrong.csv');
    await writeFile(file, 'kode,beskrivelse\nNPU02319,Hb\n');
    await expect(loadOfficialNpu(db.conn, file)).rejects.toThrow(/wrong\.csv: \(header\): found \["kode","beskrivelse"\], expected columns code, text, unit, active; missing text, unit, active/);
    await loadOfficialNpu(db.conn, null);
  });
});

const noReference = !existsSync(subsetFile) || !existsSync(limitsFile);
const skipNote = noReference ? ' (skipped: ../shared/reference is absent)' : '';

describe('against ../shared/reference', () => {
  // Units as the reference files write them, in the catalogue's spelling.
  const unitOf = (u: string | null) =>
    `case when ${u} is null or trim(${u}) = '' or ${u} = '(unitless ratio)' then null else unit_normalise(regexp_replace(${u}, ' \\(.*\\)$', '')) end`;

  it.skipIf(noReference)(`has the codes, names and units of npu_codes_subset.csv${skipNote}`, async () => {
    const mismatches = await rows(
      `with subset as (select * from read_csv(${sqlString(subsetFile)}, header = true, all_varchar = true))
       select a.code, a.unit, ${unitOf('subset.unit')} as reference_unit
       from ref.npu_analyses a join subset using (code)
       where coalesce(nullif(a.unit, '1'), '') <> coalesce(${unitOf('subset.unit')}, '')`,
    );
    expect(mismatches).toEqual([]);
    // every code marked official-ish must be in the subset, with its display text as name
    const missing = await rows(
      `with subset as (select * from read_csv(${sqlString(subsetFile)}, header = true, all_varchar = true))
       select a.code from ref.npu_analyses a left join subset using (code)
       where a.confidence = 'official-ish' and (subset.code is null or subset.danish_display <> a.name)`,
    );
    expect(missing).toEqual([]);
    const retired = await rows<{ code: string }>(
      `with subset as (select * from read_csv(${sqlString(subsetFile)}, header = true, all_varchar = true))
       select r.code from ref.npu_retired r join subset using (code)`,
    );
    expect(retired.map((r) => r.code).sort()).toEqual(['NPU01423', 'NPU03835']);
  });

  it.skipIf(noReference)(`has the hard and critical limits of lab_plausibility_limits_draft.csv, in the same unit${skipNote}`, async () => {
    const mismatches = await rows(
      `with draft as (
           select *, unnest(string_split(npu_codes, ';')) as code
           from read_csv(${sqlString(limitsFile)}, header = true, all_varchar = true))
       select a.code, a.unit, ${unitOf('draft.danish_unit')} as draft_unit, a.hard_low, draft.hard_low as draft_low,
              a.hard_high, draft.hard_high as draft_high, a.critical_low, draft.critical_low_dk, a.critical_high, draft.critical_high_dk
       from ref.npu_analyses a join draft using (code)
       where coalesce(nullif(a.unit, '1'), '') <> coalesce(${unitOf('draft.danish_unit')}, '')
          or a.hard_low is distinct from draft.hard_low::double or a.hard_high is distinct from draft.hard_high::double
          or (draft.critical_low_dk is not null and a.critical_low is distinct from draft.critical_low_dk::double)
          or (draft.critical_high_dk is not null and a.critical_high is distinct from draft.critical_high_dk::double)`,
    );
    expect(mismatches).toEqual([]);
    const [covered] = await rows<{ n: bigint }>(
      `select count(distinct analyte) as n from read_csv(${sqlString(limitsFile)}, header = true, all_varchar = true) d
       where exists (select 1 from ref.npu_analyses a where list_contains(string_split(d.npu_codes, ';'), a.code))`,
    );
    expect(Number(covered!.n)).toBe(12);
  });
});
