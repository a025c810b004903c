// Plays the attacker against lab-quality's aggregate outputs (report.html and summary.json) of a
// hand-written extract and of a generated one (scale 0.01): for every count they hide, it tries
// what a reader could: results minus usable, unusable, not yet answered and rejected; a measure
// overall minus its groups; an analysis's results minus its value states or its units; a file's
// records; a check's share times the results; the width of a bar in the usable-share charts times
// the group's results; and linear algebra over all of it. None may give a hidden value back.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import type { LabSummary } from '../../quality/reports/lab-quality/collect.ts';
import type { ShareableLabSummary } from '../../quality/reports/lab-quality/protect.ts';
import { Attack } from '../helpers/attack.ts';
import { workspace } from '../helpers/inbox.ts';
import { writeLabExtract } from '../fixtures/lab/extract.ts';

const silent = pino({ level: 'silent' });
const NOW = new Date('2026-05-01T12:00:00Z');
const MEASURES = ['usable', 'unusable', 'pending', 'rejected'] as const;
type Shown = ShareableLabSummary & { files: { role: string; read: number | null; rejected: number | null; setApart?: number | null }[] };

/** The bars of the usable-share chart in a report section: [series, data index, share of the axis]. */
function bars(html: string, sectionId: string): [number, number, number][] {
  const at = html.indexOf(`id="${sectionId}"`);
  const section = html.slice(at, html.indexOf('</section>', at));
  const svg = section.slice(section.indexOf('<svg'), section.indexOf('</svg>'));
  if (!section.includes('<svg')) return [];
  // the vertical grid lines run from 0% to the axis end, which is 100%
  const grid = [...svg.matchAll(/<path d="M([\d.]+) [\d.]+L\1 [\d.]+"[^>]*stroke="#dbdee4"/g)].map((m) => Number(m[1]));
  const width = Math.max(...grid) - Math.min(...grid);
  return [...svg.matchAll(/<path d="M[\d.]+ [\d.]+l([\d.]+) 0[^"]*"[^>]*ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"/g)]
    .map((m) => [Number(m[2]), Number(m[3]), Number(m[1]) / width]);
}

async function attack(truth: LabSummary, files: readonly { role: string; read: number; rejected: number; setApart?: number }[], out: string): Promise<Attack> {
  const shown = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Shown;
  const html = await readFile(join(out, 'report.html'), 'utf8');
  const a = new Attack();
  const total = (m: string) => `all|${m}`;
  a.cell(total('rows'), shown.rowsRead, truth.rowsRead);
  for (const m of MEASURES) a.cell(total(m), (shown as Record<string, unknown>)[m] as number | null, truth[m]);
  a.sum(total('rows'), MEASURES.map(total));
  const dims = [['analysis', 'byAnalysis'], ['system', 'bySystem'], ['clinic', 'byClinic']] as const;
  for (const [dim, field] of dims) {
    const shownGroups = new Map(shown[field].map((g) => [g.key, g as unknown as Record<string, number | null>]));
    const id = (key: string, m: string) => `${dim}|${key}|${m}`;
    for (const g of truth[field]) {
      const s = shownGroups.get(g.key)!;
      expect(s).toBeDefined();
      for (const m of ['rows', ...MEASURES] as const) a.cell(id(g.key, m), s[m], g[m]);
      a.sum(id(g.key, 'rows'), MEASURES.map((m) => id(g.key, m)));
    }
    for (const m of ['rows', ...MEASURES]) a.sum(total(m), truth[field].map((g) => id(g.key, m)));
  }
  // the bars: width x results, and count / width
  for (const [section, dim, field] of [['by-analysis', 'analysis', 'byAnalysis'], ['by-system', 'system', 'bySystem']] as const) {
    const groups = truth[field].slice(0, 40);
    for (const [series, i, share] of bars(html, section)) {
      const key = groups[i]!.key;
      const m = MEASURES[series]!;
      const s = shown[field].find((g) => g.key === key)! as unknown as Record<string, number | null>;
      if (s.rows != null) a.guess(`${dim}|${key}|${m}`, Math.round(share * s.rows), 'bar width x results');
      if (s[m] !== null && share > 0) a.guess(`${dim}|${key}|rows`, Math.round(s[m]! / share), 'count / bar width');
    }
  }
  const shownPanels = new Map(shown.panels.map((p) => [p.analysis, p]));
  for (const p of truth.panels) {
    const s = shownPanels.get(p.analysis)!;
    const id = (m: string) => `panel|${p.analysis}|${m}`;
    for (const m of ['rows', 'numeric', 'censored', 'qualitative', 'pending'] as const) a.cell(id(m), s[m], p[m]);
    a.sum(id('rows'), ['numeric', 'censored', 'qualitative', 'pending'].map(id));
    a.sum(id('rows'), [`analysis|${p.analysis}|rows`]);
    a.sum(id('rows'), p.units.map((u, i) => {
      a.cell(id(`unit${i}`), s.units[i]!.rows, u.rows);
      return id(`unit${i}`);
    }));
    a.sum(id('qualitative'), p.qualitativeValues.map((q, i) => {
      a.cell(id(`answer${i}`), s.qualitativeValues[i]!.rows, q.rows);
      return id(`answer${i}`);
    }));
    for (const c of p.checks) {
      a.cell(id(`check:${c.checkId}`), s.checks.find((x) => x.checkId === c.checkId)!.rows, c.rows);
      a.sum(id('rows'), [id(`check:${c.checkId}`)]);
    }
    // the box plots' clinics and their numeric results (a clinic of 1-4 is drawn in none)
    a.sum(id('numeric'), p.clinics.map((k) => {
      a.cell(id(`clinic:${k.clinic}`), s.clinics.find((x) => x.clinic === k.clinic)?.n ?? null, k.n);
      return id(`clinic:${k.clinic}`);
    }));
  }
  // a shifted clinic's results and the other clinics' it is compared with make up the analysis' numeric results
  for (const x of truth.shifts) {
    const s = shown.shifts.find((y) => y.analysis === x.analysis && y.clinic === x.clinic)!;
    const id = (m: string) => `shift|${x.analysis}|${x.clinic}|${m}`;
    a.cell(id('n'), s.n, x.n);
    a.cell(id('rest'), s.restCount, x.restCount);
    if (truth.panels.some((p) => p.analysis === x.analysis)) {
      a.sum(`panel|${x.analysis}|numeric`, [id('n'), id('rest')]);
      a.sum(`panel|${x.analysis}|clinic:${x.clinic}`, [id('n')]);
    }
  }
  for (const c of truth.checks) {
    const s = shown.checks.find((x) => x.checkId === c.checkId)!;
    a.cell(`check|${c.checkId}`, s.rows, c.rows);
    a.sum(total('rows'), [`check|${c.checkId}`]);
    if (s.percent !== null && shown.rowsRead !== null) a.guess(`check|${c.checkId}`, Math.round((s.percent * shown.rowsRead) / 100), 'percent x results');
  }
  for (const o of truth.outsideReference) {
    const s = shown.outsideReference.find((x) => x.analysis === o.analysis)!;
    const id = (m: string) => `outside|${o.analysis}|${m}`;
    a.cell(id('with'), s.withInterval, o.withInterval);
    a.cell(id('below'), s.below, o.below);
    a.cell(id('above'), s.above, o.above);
    a.cell(id('flagged'), s.outsideFlagged, o.outsideFlagged);
    a.unknown(id('outside'), o.below + o.above);
    a.sum(id('with'), [id('below'), id('above')]);
    a.sum(id('outside'), [id('below'), id('above')]);
    a.sum(id('outside'), [id('flagged')]);
    // a result with an interval is one of the analysis' numeric results: where every result
    // carries one (the completeness table says so), the two counts are the same
    if (truth.panels.some((p) => p.analysis === o.analysis)) a.sum(`panel|${o.analysis}|numeric`, [id('with')]);
  }
  for (const c of truth.completeness) {
    const s = shown.completeness.find((x) => x.field === c.field && x.system === c.system)!;
    a.cell(`present|${c.field}|${c.system}`, s.present, c.present);
    a.cell(`results|${c.system}`, s.rows, c.rows);
    a.sum(`results|${c.system}`, [`present|${c.field}|${c.system}`]);
  }
  // the completeness table counts the results not rejected, which are what the checks' percents are of
  if (truth.completeness.length) {
    a.sum(total('rows'), ['results|(all)', total('rejected')]);
    for (const g of truth.bySystem) if (truth.completeness.some((c) => c.system === g.key)) a.sum(`system|${g.key}|rows`, [`results|${g.key}`, `system|${g.key}|rejected`]);
    for (const c of shown.checks) if (c.percent && c.rows !== null) a.guess('results|(all)', Math.round((c.rows * 100) / c.percent), 'check rows x 100 / percent');
  }
  const lab = [...files.entries()].filter(([, f]) => f.role !== 'register');
  for (const [i, f] of lab) {
    a.cell(`file|${i}|read`, shown.files[i]!.read, f.read);
    a.cell(`file|${i}|rejected`, shown.files[i]!.rejected, f.rejected);
    a.sum(`file|${i}|read`, [`file|${i}|rejected`]);
  }
  a.sum(total('rows'), lab.map(([i]) => `file|${i}|read`));
  a.sum(total('rejected'), lab.map(([i]) => `file|${i}|rejected`));
  // FHIR Observations set apart: per reason, category and code, and per file (their total is
  // shown nowhere, but both add up to it)
  if (truth.setApart.length) {
    a.unknown('set-apart|all', truth.setApart.reduce((n, x) => n + x.rows, 0));
    truth.setApart.forEach((x, i) => a.cell(`set-apart|${i}`, shown.setApart[i]!.rows, x.rows));
    a.sum('set-apart|all', truth.setApart.map((_, i) => `set-apart|${i}`));
    const fhir = lab.filter(([, f]) => f.setApart !== undefined);
    for (const [i, f] of fhir) a.cell(`file|${i}|set-apart`, shown.files[i]!.setApart, f.setApart);
    if (fhir.length) a.sum('set-apart|all', fhir.map(([i]) => `file|${i}|set-apart`));
  }
  // the code profiles: each analysis' results with a value by unit (the report's table and
  // summary.json), within the analysis' results, adding up to its panel's numeric and censored
  // results; a unit's numeric results and outliers within its results; the outliers of every unit
  // make up lab.outlier's
  const profileRows = tableRows(html, 'code-profiles');
  const shownProfiles = shown.codeProfiles ?? [];
  for (const code of new Set(truth.codeProfiles.map((x) => x.analysis))) {
    const mine = truth.codeProfiles.filter((x) => x.analysis === code);
    const id = (unit: string | null, m: string) => `profile|${code}|${unit}|${m}`;
    a.unknown(`valued|${code}`, mine.reduce((n, x) => n + x.results, 0));
    for (const x of mine) {
      const inJson = shownProfiles.find((y) => y.analysis === code && y.unit === x.unit);
      const inHtml = profileRows.find((r) => r[0] === code && r[1] === (x.unit ?? '(none)'));
      const htmlCount = inHtml && /^[\d,]+$/.test(inHtml[2]!) ? Number(inHtml[2]!.replaceAll(',', '')) : null;
      a.cell(id(x.unit, 'results'), inJson?.results ?? htmlCount, x.results);
      a.cell(id(x.unit, 'numeric'), inJson?.numeric ?? null, x.numeric);
      a.cell(id(x.unit, 'outliers'), inJson?.outliers ?? null, x.outliers);
      a.sum(id(x.unit, 'results'), [id(x.unit, 'numeric')]);
      a.sum(id(x.unit, 'results'), [id(x.unit, 'outliers')]);
    }
    a.sum(`valued|${code}`, mine.map((x) => id(x.unit, 'results')));
    if (truth.byAnalysis.some((g) => g.key === code)) a.sum(`analysis|${code}|rows`, [`valued|${code}`]);
    if (truth.panels.some((p) => p.analysis === code)) {
      a.sum(`valued|${code}`, [`panel|${code}|numeric`, `panel|${code}|censored`]);
      a.sum(`panel|${code}|numeric`, mine.map((x) => id(x.unit, 'numeric')));
    }
  }
  a.differencing();
  a.linearAlgebra();
  return a;
}

/** The text of each body row's cells of the table in a report section. */
function tableRows(html: string, sectionId: string): string[][] {
  const at = html.indexOf(`id="${sectionId}"`);
  if (at < 0) return [];
  const section = html.slice(at, html.indexOf('</section>', at));
  const body = section.slice(section.indexOf('<tbody>'), section.indexOf('</tbody>'));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')));
}

describe('no count lab-quality hides can be recomputed from its report or summary.json', () => {
  it('on a hand-written extract of two journal systems, small counts everywhere', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [ws.inbox], out, now: NOW, logger: silent });
    const a = await attack(result.outputs.summary, result.files, out);
    expect([...a.shown.values()].filter((v) => v === null).length).toBeGreaterThan(0);
    expect(a.recovered).toEqual([]);
    // what the analyst reads in the terminal keeps the exact figures
    expect(result.outputs.text).toContain(`lab results read: ${result.outputs.summary.rowsRead}`);
  });

  it('on an analysis with a unit of three results, whose count the analysis total would give back', async () => {
    const ws = await workspace();
    // creatinine: 40 results in umol/L and 3 in mmol/L, all numeric; sodium: 30 in mmol/L
    const rows = ['Id,Pt,Code,Val,Unit'];
    for (let i = 0; i < 40; i++) rows.push(`c${i},P-${i},NPU18016,${70 + (i % 30)},umol/L`);
    for (let i = 0; i < 3; i++) rows.push(`m${i},P-${i},NPU18016,0.0${7 + i},mmol/L`);
    for (let i = 0; i < 30; i++) rows.push(`s${i},P-${i},NPU03429,${135 + (i % 8)},mmol/L`);
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Lab export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: NOW, logger: silent });
    const truth = result.outputs.summary;
    expect(truth.codeProfiles.filter((x) => x.analysis === 'NPU18016').map((x) => [x.unit, x.results])).toEqual([['µmol/L', 40], ['mmol/L', 3]]);
    const a = await attack(truth, result.files, out);
    expect(a.shown.get('profile|NPU18016|mmol/L|results')).toBeNull();
    expect(a.recovered).toEqual([]);
  });

  it('on an extract with a clinic of two results and a few rejected rows, whose completeness and check percents count the rest', async () => {
    const ws = await workspace();
    const rows = ['Id,Sor,Pt,Code,Val,Unit,Taken'];
    const add = (prefix: string, sor: string, n: number, taken = '2026-03-02 10:00') => {
      for (let i = 0; i < n; i++) rows.push(`${prefix}${i},${sor},P-${prefix}${i},NPU19748,${2 + (i % 9)},mg/L,${taken}`);
    };
    add('a', '8609571000016009', 71);
    add('b', '7510731000016007', 62);
    add('c', '4862171000016002', 2);
    // seven results sampled on a day the calendar does not have: rejected
    add('x', '8609571000016009', 7, '2026-02-30 10:00');
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Regional export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    timestamps: "%Y-%m-%d %H:%M"', '    columns: { record_id: Id, sor_code: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: NOW, logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 142, rejected: 7 });
    const a = await attack(result.outputs.summary, result.files, out);
    expect(a.shown.get('clinic|4862171000016002|rows')).toBeNull();
    expect(a.recovered).toEqual([]);
  });

  it('on an analysis whose every result has a reference interval: its results with one are its results', async () => {
    // an outside reviewer's extract: CRP at four clinics (one of two results), potassium 3 times;
    // shown, CRP's results with an interval (65) were its results, and all results (68) minus
    // them gave potassium's 3, and CRP's clinics' box plots (23 + 20 + 20) the small clinic's 2
    const ws = await workspace();
    const rows = ['Id,Sor,Pt,Code,Val,Unit,Low,High'];
    const add = (prefix: string, sor: string, code: string, n: number, value: (i: number) => string, low: string, high: string) => {
      for (let i = 0; i < n; i++) rows.push(`${prefix}${i},${sor},P-${prefix}${i},${code},${value(i)},${code === 'NPU19748' ? 'mg/L' : 'mmol/L'},${low},${high}`);
    };
    const crp = (i: number) => String(3 + ((i * 7) % 40));
    add('a', '7510731000016007', 'NPU19748', 20, crp, '0', '10');
    add('b', '4862171000016002', 'NPU19748', 20, crp, '0', '10');
    add('c', '5941941000016001', 'NPU19748', 2, crp, '0', '10');
    add('d', '8609571000016009', 'NPU19748', 23, crp, '0', '10');
    add('k', '7510731000016007', 'NPU03230', 3, (i) => `4.${i}`, '3.5', '4.6');
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Regional export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, sor_code: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit, ref_low: Low, ref_high: High }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: NOW, logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 68, rejected: 0 });
    expect(result.outputs.summary.outsideReference.map((o) => [o.analysis, o.withInterval])).toEqual(expect.arrayContaining([['NPU19748', 65], ['NPU03230', 3]]));
    const a = await attack(result.outputs.summary, result.files, out);
    expect(a.shown.get('analysis|NPU03230|rows')).toBeNull();
    expect(a.recovered).toEqual([]);
  });

  it('on a shifted clinic, whose count of results elsewhere is the rest of its analysis', async () => {
    // an outside reviewer's extract: haemoglobin at four clinics, one of two results and one
    // whose values are half the others', potassium 3 times; summary.json showed the shifted
    // clinic's 23 results and the 42 elsewhere: 68 - 23 - 42 gave potassium's 3, and 42 minus
    // the box plots' 20 + 20 the small clinic's 2
    const ws = await workspace();
    const rows = ['Id,Sor,Pt,Code,Val,Unit'];
    const add = (prefix: string, sor: string, code: string, n: number, value: (i: number) => string) => {
      for (let i = 0; i < n; i++) rows.push(`${prefix}${i},${sor},P-${prefix}${i},${code},${value(i)},mmol/L`);
    };
    const hb = (factor: number) => (i: number) => ((7 + (i % 10) / 5) * factor).toFixed(1);
    add('a', '7510731000016007', 'NPU02319', 20, hb(1));
    add('b', '4862171000016002', 'NPU02319', 20, hb(1));
    add('c', '5941941000016001', 'NPU02319', 2, hb(1));
    add('d', '8609571000016009', 'NPU02319', 23, hb(0.5));
    add('k', '7510731000016007', 'NPU03230', 3, (i) => `4.${i}`);
    await ws.put('export/results.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Regional export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, sor_code: Sor, patient: Pt, analysis_code: Code, value: Val, unit: Unit }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: NOW, logger: silent });
    expect(result.outputs.summary.shifts.map((x) => [x.clinic, x.n, x.restCount])).toEqual([['8609571000016009', 23, 42]]);
    const a = await attack(result.outputs.summary, result.files, out);
    expect(a.shown.get('analysis|NPU03230|rows')).toBeNull();
    expect(a.recovered).toEqual([]);
  });

  it('on two FHIR files whose Observations set apart add up per file and per code', async () => {
    const ws = await workspace();
    const obs = (id: string, category: string, code: string, value?: number) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', category: [{ coding: [{ code: category }] }],
      code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: `Patient/p${id}` },
      effectiveDateTime: '2025-03-04T08:15:00+01:00', ...(value === undefined ? {} : { valueQuantity: { value, unit: 'mmol/L' } }),
    });
    const lines = (prefix: string, lab: number, vitals: number, surveys: number) => [
      ...Array.from({ length: lab }, (_, i) => obs(`${prefix}l${i}`, 'laboratory', '2823-3', 4 + (i % 10) / 10)),
      ...Array.from({ length: vitals }, (_, i) => obs(`${prefix}v${i}`, 'vital-signs', '8867-4', 60 + i)),
      ...Array.from({ length: surveys }, (_, i) => obs(`${prefix}s${i}`, 'survey', '72166-2')),
    ].join('\n');
    // heart rates 10 + 6 = 16 (shown), smoking status 3 (hidden): the files' 13 and 6 would give the 3 back
    await ws.put('a/Observation-1.ndjson', lines('a', 20, 10, 3));
    await ws.put('a/Observation-2.ndjson', lines('b', 20, 6, 0));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'a')], out, now: NOW, logger: silent });
    expect(result.files.map((f) => f.setApart)).toEqual([13, 6]);
    const a = await attack(result.outputs.summary, result.files, out);
    const surveys = result.outputs.summary.setApart.findIndex((x) => x.category === 'survey');
    expect(a.shown.get(`set-apart|${surveys}`)).toBeNull();
    expect(a.recovered).toEqual([]);
    // the terminal keeps the exact figures
    expect(result.outputs.text).toContain('FHIR Observations set apart (no lab result, not counted): 19');
  });

  it.skipIf(!existsSync('data-samples/generator/run.ts'))('on a generated extract (scale 0.01)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-lab-disclosure-'));
    await promisify(execFile)(process.execPath, ['jobs/fangst.js', 'generate', '--scale', '0.01', '--seed', '5', '--out', join(dir, 'inbox'),
      '--truth', join(dir, 'truth.parquet')], { cwd: process.cwd(), env: { ...process.env, TZ: 'Europe/Copenhagen' } });
    const out = join(dir, 'out');
    const result = await runLabQuality({ extracts: [join(dir, 'inbox')], out, now: NOW, logger: silent });
    const a = await attack(result.outputs.summary, result.files, out);
    expect([...a.shown.values()].filter((v) => v === null).length).toBeGreaterThan(0);
    expect(a.recovered).toEqual([]);
  });
});
