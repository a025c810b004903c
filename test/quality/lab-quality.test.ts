import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { ConfigError } from '../../config/errors.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace, type Workspace } from '../helpers/inbox.ts';
import { CLINICS, SPECIAL, here, writeLabExtract } from '../fixtures/lab/extract.ts';

const silent = pino({ level: 'silent' });
const NOW = new Date('2026-03-01T12:00:00Z');

interface Finding { record_key: string; check_id: string; severity: string; reason: string }

describe('lab-quality on an extract in two journal systems\' layouts', () => {
  let ws: Workspace;
  let result: LabQualityResult;
  let out: string;
  const findings = new Map<string, Finding[]>();
  const checksOf = (recordId: string) => (findings.get(`NOVAX:${recordId}`) ?? []).map((f) => f.check_id).sort();
  const detailOf = async (recordId: string, check: string) =>
    (await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ detail: string }>(conn,
      `select detail from lab.row_findings where record_key = 'NOVAX:${recordId}' and check_id = '${check}'`)))[0]?.detail;

  beforeAll(async () => {
    ws = await workspace();
    await writeLabExtract(ws);
    out = join(ws.root, 'out');
    result = await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: NOW, logger: silent, flaggedJson: true });
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      for (const f of await queryRows<Finding>(conn, `select record_key, check_id, severity, reason from quality.row_findings`)) {
        findings.set(f.record_key, [...(findings.get(f.record_key) ?? []), f]);
      }
    });
  });

  it('reads both layouts and the register, and accounts for every row', async () => {
    expect(result.files.map((f) => [f.file, f.role, f.system]).sort()).toEqual([
      ['eg-clinea/clinea-labresults-2025-02.csv', 'delivery', 'EG Clinea'],
      ['novax/novax_labsvar_2025-02.csv', 'delivery', 'NOVAX'],
      ['register/klinikregister_2025-02.csv', 'register', null],
    ]);
    const s = result.outputs.summary;
    const read = result.files.filter((f) => f.role === 'delivery').reduce((a, f) => a + f.read, 0);
    expect(s.rowsRead).toBe(read);
    expect(s.usable + s.unusable + s.pending + s.rejected).toBe(s.rowsRead);
    expect(s.pending).toBe(1);
  });

  it('pins each unit mix-up to its clinic and names the conversion', () => {
    const shifts = result.outputs.summary.shifts.map((s) => ({ analysis: s.analysis, clinic: s.clinic, unit: s.likelyUnit, direction: s.direction, factor: s.factor }));
    expect(shifts).toEqual([
      { analysis: 'NPU02319', clinic: CLINICS.C3, unit: 'g/dL', direction: 'as', factor: 0.6206 },
      { analysis: 'NPU27300', clinic: CLINICS.C5, unit: '%', direction: 'as', factor: 10.929 },
    ]);
    // every Hb result of C3 and every HbA1c result of C5 is flagged, and nothing else is
    const flagged = [...findings.values()].flat().filter((f) => f.check_id === 'lab.unit_mixup_clinic').map((f) => f.record_key).sort();
    const expected = [
      ...Array.from({ length: 30 }, (_, i) => `NOVAX:C3-HB-${i}`),
      ...Array.from({ length: 25 }, (_, i) => `EG Clinea:C5-A1C-${i}`),
    ].sort();
    expect(flagged).toEqual(expected);
    // each finding says which clinic, analysis, unit and factor, not only the check's general reason
    const reasonOf = (key: string) => findings.get(key)!.find((f) => f.check_id === 'lab.unit_mixup_clinic')!.reason;
    expect(reasonOf('NOVAX:C3-HB-0')).toMatch(new RegExp(`^clinic ${CLINICS.C3} sends NPU02319 values that look like g/dL under mmol/L \\(median [\\d.]+ against [\\d.]+ elsewhere; factor 0\\.6206\\)$`));
    expect(reasonOf('EG Clinea:C5-A1C-0')).toMatch(new RegExp(`^clinic ${CLINICS.C5} sends NPU27300 values that look like % under mmol/mol .*factor 10\\.929`));
  });

  it('names a retired code with its successor and reports local codes as local, not as errors', async () => {
    expect(checksOf(SPECIAL.retired)).toContain('lab.code_retired');
    expect(await detailOf(SPECIAL.retired, 'lab.code_retired')).toBe('analysis code NPU01129 is retired; its successor is NPU19651');
    expect(checksOf(SPECIAL.local)).toEqual([]);
    expect(result.outputs.summary.localCodes).toEqual([{ code: 'CRP-POC', name: 'CRP kapillær', rows: 1 }]);
    expect(checksOf(SPECIAL.malformed)).toContain('lab.code_format');
    expect(checksOf(SPECIAL.unknownCode)).toEqual(['lab.code_unknown']);
  });

  it('parses censored values in their spellings and keeps placeholders as not yet answered', async () => {
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<{ record_id: string; value_state: string; comparator: string; value_num: number }>(conn,
        `select record_id, value_state, comparator, value_num from lab.results where record_id in ('${SPECIAL.censoredText}', '${SPECIAL.censoredSpaced}', '${SPECIAL.censoredOperator}', '${SPECIAL.pending}') order by record_id`);
      expect(rows).toEqual([
        { record_id: SPECIAL.censoredText, value_state: 'censored', comparator: '<', value_num: 5 },
        { record_id: SPECIAL.censoredSpaced, value_state: 'censored', comparator: '<', value_num: 5 },
        { record_id: SPECIAL.censoredOperator, value_state: 'censored', comparator: '<', value_num: 5 },
        { record_id: SPECIAL.pending, value_state: 'pending', comparator: null, value_num: null },
      ]);
    });
    expect(checksOf(SPECIAL.unparseable)).toContain('lab.value_unparseable');
    expect(await detailOf(SPECIAL.unparseable, 'lab.value_unparseable')).toContain('"se notat"');
  });

  it('converts a convertible unit to the canonical one and keeps the original', async () => {
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const [row] = await queryRows<Record<string, unknown>>(conn,
        `select value_text, unit, unit_status, round(value_canonical, 3) as value_canonical, canonical_unit from lab.results where record_id = '${SPECIAL.converted}'`);
      expect(row).toEqual({ value_text: '110', unit: 'mg/dl', unit_status: 'converted', value_canonical: 6.105, canonical_unit: 'mmol/L' });
    });
    expect(checksOf(SPECIAL.converted)).toEqual([]);
    expect(checksOf(SPECIAL.unitWrong)).toContain('lab.unit_not_accepted');
  });

  it('tells an implausible value from one that is plausible only in another unit', async () => {
    expect(checksOf(SPECIAL.implausible)).toContain('lab.implausible');
    expect(checksOf(SPECIAL.implausible)).not.toContain('lab.unit_mixup');
    expect(checksOf(SPECIAL.mixupRow)).toContain('lab.unit_mixup');
    expect(checksOf(SPECIAL.mixupRow)).not.toContain('lab.implausible');
    expect(await detailOf(SPECIAL.mixupRow, 'lab.unit_mixup')).toBe('value 140 is plausible only as g/L, not as mmol/L');
  });

  it('checks reference intervals, flags, duplicates, time order and qualitative answers', () => {
    expect(checksOf(SPECIAL.refMissing)).toContain('lab.reference_missing');
    expect(checksOf(SPECIAL.refInvalid)).toContain('lab.reference_invalid');
    expect(checksOf(SPECIAL.refOther)).toEqual(['lab.reference_unstable']);
    expect(checksOf('C1-HB-1')).not.toContain('lab.reference_unstable');
    expect(checksOf(SPECIAL.flagWrong)).toContain('lab.flag_inconsistent');
    expect(checksOf(SPECIAL.duplicateSecond)).toContain('lab.duplicate');
    expect(checksOf(SPECIAL.duplicateFirst)).not.toContain('lab.duplicate');
    expect(checksOf(SPECIAL.timeOrder)).toContain('lab.time_order');
    expect(checksOf(SPECIAL.future)).toContain('lab.time_future');
    expect(checksOf(SPECIAL.nitritPos)).toEqual([]);
    expect(checksOf(SPECIAL.nitritBad)).toContain('lab.value_type');
    // ordinary rows of a well-behaved clinic carry nothing
    expect(checksOf('C1-HB-0').filter((c) => c !== 'lab.flag_inconsistent')).toEqual([]);
  });

  it('writes every flagged row with its reasons as Parquet, CSV and JSON, and the tables score reads', async () => {
    const json = JSON.parse(await readFile(result.outputs.flaggedJson!, 'utf8')) as Array<{ record_key: string; check_ids: string[]; reasons: string[]; unusable: boolean }>;
    const mix = json.find((r) => r.record_key === `NOVAX:${SPECIAL.mixupRow}`)!;
    expect(mix.unusable).toBe(true);
    expect(mix.reasons.some((r) => r.includes('plausible only as g/L'))).toBe(true);
    const csv = await readFile(result.outputs.flaggedCsv, 'utf8');
    expect(csv.split('\n').filter((l) => l.trim()).length).toBe(json.length + 1);
    await withDatabase(':memory:', async (_db, conn) => {
      const [p] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from read_parquet('${result.outputs.flaggedParquet}')`);
      expect(Number(p!.n)).toBe(json.length);
    });
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const [q] = await queryRows<{ quarantined: bigint; published: bigint }>(conn, `select
        (select count(*) from core.quarantine where kind = 'laboratoriesvar') as quarantined,
        (select count(*) from core.laboratoriesvar) as published`);
      const s = result.outputs.summary;
      expect(Number(q!.quarantined)).toBe(s.unusable);
      expect(Number(q!.published)).toBe(s.usable + s.pending);
    });
  });
});

describe('lab-quality --danish-csv', () => {
  it('writes flagged-rows.csv for Danish Excel: BOM, semicolons, decimal comma, SOR codes as text', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [ws.inbox], out, now: NOW, logger: silent, danishCsv: true });
    const text = await readFile(result.outputs.flaggedCsv, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...lines] = text.slice(1).split('\n').filter(Boolean);
    const columns = header!.split(';');
    expect(columns.length).toBeGreaterThan(5);
    const sor = columns.indexOf('clinic');
    const c3 = lines.find((l) => l.includes('C3-HB-0;'))!;
    // a quoted field holds no ; here: the clinic's SOR code is the formula Excel shows as text
    expect(c3.split(';')[sor]).toBe(`"=""${CLINICS.C3}"""`);
    const valueNum = columns.indexOf('value_canonical');
    expect(c3.split(';')[valueNum]).toMatch(/^\d+,\d+$/);
    // no mapping: times in the configured zone (Europe/Copenhagen), named in the header, as the
    // clinic's clock read them: NOVAX's Proevetid (dd-mm-yyyy hh:mm) of the same row, in winter (+01:00)
    const sampled = columns.indexOf('sampled_at (Europe/Copenhagen)');
    expect(columns).not.toContain('sampled_at');
    const novax = (await readFile(join(ws.inbox, 'novax/novax_labsvar_2025-02.csv'), 'latin1')).split('\n');
    const novaxHeader = novax[0]!.split(';');
    const delivered = novax.find((l) => l.startsWith('C3-HB-0;'))!.split(';')[novaxHeader.indexOf('Proevetid')]!;
    const [, dd, mm, yyyy, hhmm] = /^(\d\d)-(\d\d)-(\d{4}) (\d\d:\d\d)$/.exec(delivered)!;
    expect(c3.split(';')[sampled]).toBe(`${yyyy}-${mm}-${dd} ${hhmm}:00+01:00`);
  });
});

describe('lab-quality on a foreign extract with a mapping file', () => {
  it('reads the extract through the example mapping, end to end', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister_2025.csv', await readFile(join(here, 'foreign-register.csv'), 'utf8'));
    await ws.put('export/regional_results_2025.csv', await readFile(join(here, 'foreign-results.csv'), 'utf8'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true,
      extracts: [ws.inbox], mapping: 'config/mappings/example-foreign-lab.yaml',
      out, now: NOW, logger: silent,
    });
    expect(result.files.find((f) => f.role === 'delivery')).toMatchObject({ file: 'export/regional_results_2025.csv', system: 'Regional lab export', rejected: 1 });
    const s = result.outputs.summary;
    expect(s.bySystem.map((g) => g.key)).toContain('Regional lab export');
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const rows = await queryRows<Record<string, unknown>>(conn, `select record_id, analysis_code, code_status, value_state, comparator, value_num,
          unit_status, round(value_canonical, 2) as value_canonical, strftime(sampled_at, '%Y-%m-%d %H:%M') as sampled_utc
        from lab.results order by record_id`);
      expect(rows).toEqual([
        { record_id: 'R1', analysis_code: 'NPU02319', code_status: 'known', value_state: 'numeric', comparator: null, value_num: 8.4, unit_status: 'canonical', value_canonical: 8.4, sampled_utc: '2025-03-04 08:15' },
        { record_id: 'R2', analysis_code: 'NPU02319', code_status: 'known', value_state: 'numeric', comparator: null, value_num: 13.1, unit_status: 'converted', value_canonical: 8.13, sampled_utc: '2025-03-04 08:20' },
        { record_id: 'R3', analysis_code: 'NPU19748', code_status: 'known', value_state: 'censored', comparator: '<', value_num: 5, unit_status: 'canonical', value_canonical: 5, sampled_utc: '2025-07-01 07:00' },
        { record_id: 'R4', analysis_code: 'GLU-HJEM', code_status: 'local', value_state: 'numeric', comparator: null, value_num: 6.2, unit_status: 'not_checked', value_canonical: null, sampled_utc: '2025-03-05 09:00' },
      ]);
      // Line 6 has both times in another format: one reject per column, one rejected row.
      const rej = await queryRows<{ source_line: bigint; column_name: string; reason: string }>(conn,
        `select source_line, column_name, reason from meta.rejects where source_line is not null order by column_name`);
      expect(rej).toEqual(['resulted_at', 'sampled_at'].map((column_name) =>
        ({ source_line: 6n, column_name, reason: 'not a valid time: expected the format %Y-%m-%d %H:%M' })));
    });
  });

  it('names the file, key, found value and expectation when the mapping is wrong', async () => {
    const ws = await workspace();
    const bad = await ws.put('bad-mapping.yaml', 'system: X\ndeliveries:\n  - kind: laboratoriesvar\n    files: "*.csv"\n    format: csv\n    columns: { record_id: Id, sor_code: Sor, patient: Pt, analysis_code: Code, value: Val, colour: Farve }\n');
    await expect(runLabQuality({ keepDatabase: true, extracts: [ws.inbox], mapping: bad, out: join(ws.root, 'out'), logger: silent }))
      .rejects.toThrow(ConfigError);
    await expect(runLabQuality({ keepDatabase: true, extracts: [ws.inbox], mapping: bad, out: join(ws.root, 'out'), logger: silent }))
      .rejects.toThrow(/bad-mapping\.yaml: deliveries\[0\]\.columns\.colour: found "colour", expected a canonical column/);
  });
});
