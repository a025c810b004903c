import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barChart, lineChart, sparkline } from '../../quality/report-kit/charts.ts';
import { SHARE_DIGITS, toCsv, writeCsv } from '../../quality/report-kit/csv.ts';
import { chartFigure, escapeHtml, formatPercent, formatPoints, keyFigures, raw, renderPage, renderTable, section } from '../../quality/report-kit/html.ts';
import { countOf, duration, durationsIn, localTime } from '../../quality/report-kit/wording.ts';
import { Pseudonymiser, isSmallCount, loadPseudonymKey, protectShare, suppressCount } from '../../quality/report-kit/suppress.ts';
import { chromiumAvailable, renderInBrowser } from '../helpers/browser.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fangst-kit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csv', () => {
  const columns = [
    { header: 'clinic', value: (r: { clinic: string; share: number | null; n: number }) => r.clinic },
    { header: 'share', value: (r: { clinic: string; share: number | null; n: number }) => r.share },
    { header: 'n', value: (r: { clinic: string; share: number | null; n: number }) => r.n },
  ];
  const rows = [
    { clinic: 'Øjenklinikken; Århus', share: 0.5903, n: 4927705 },
    { clinic: 'Say "hi"', share: null, n: 3 },
    { clinic: '=HYPERLINK("x")', share: 1e-7, n: 0 },
  ];

  it('writes RFC 4180 by default: comma, point decimal, quoted fields, no exponent, no formula', () => {
    const text = toCsv(columns, rows);
    expect(text.split('\r\n')).toEqual([
      'clinic,share,n',
      'Øjenklinikken; Århus,0.5903,4927705',
      '"Say ""hi""",,3',
      `"'=HYPERLINK(""x"")",0.0000001,0`,
      '',
    ]);
  });

  it('writes the Danish Excel style: BOM, semicolon, decimal comma, formula-safe text', async () => {
    const path = join(dir, 'sub', 'danish.csv');
    await writeCsv(path, columns, rows, { danish: true });
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.slice(1).split('\r\n')).toEqual([
      'clinic;share;n',
      '"Øjenklinikken; Århus";0,5903;4927705',
      '"Say ""hi""";;3',
      `"'=HYPERLINK(""x"")";0,0000001;0`,
      '',
    ]);
  });
});

/**
 * A CSV field as Excel reads it on opening the file: ="…" is a formula giving that text, a
 * leading ' is shown as text, digits alone are a number of 15 significant digits, and yyyy-mm,
 * yyyy-mm-dd or dd-mm-yyyy (with - / or .) are dates.
 */
function asExcelReadsIt(field: string): { type: 'text' | 'number' | 'date'; shown: string } {
  const formula = /^="(.*)"$/.exec(field);
  if (formula) return { type: 'text', shown: formula[1]! };
  if (/^-?\d+([.,]\d+)?$/.test(field)) return { type: 'number', shown: String(Number(Number(field.replace(',', '.')).toPrecision(15))) };
  if (/^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(field)) return { type: 'date', shown: field };
  return { type: 'text', shown: field.startsWith("'") ? field.slice(1) : field };
}

/** The fields of simple CSV text (quoted fields with "" inside, no line breaks in fields). */
function fields(line: string, delimiter: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(new RegExp(`(?:^|${delimiter})("(?:[^"]|"")*"|[^${delimiter}"]*)`, 'g'))) {
    const f = m[1]!;
    out.push(f.startsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f);
  }
  return out;
}

describe('csv as a spreadsheet reads it', () => {
  type Row = { sor: string; yder: string; month: string; day: string; name: string; share: number; n: number };
  const columns = [
    { header: 'sor_code', value: (r: Row) => r.sor },
    { header: 'ydernummer', value: (r: Row) => r.yder },
    { header: 'month', value: (r: Row) => r.month },
    { header: 'day', value: (r: Row) => r.day },
    { header: 'name', value: (r: Row) => r.name },
    { header: 'a_share', value: (r: Row) => r.share, digits: SHARE_DIGITS },
    { header: 'n', value: (r: Row) => r.n },
  ];
  const rows: Row[] = [
    { sor: '7510731000016007', yder: '004391', month: '2024-11', day: '2025-03-02', name: 'NPU02319', share: 0.665453296936245, n: 7419 },
    { sor: '61741000016007', yder: '012345', month: '2026-03', day: '02-03-2026', name: '-5 mmol/L', share: 1 / 3, n: 0 },
  ];

  for (const danish of [false, true]) {
    it(`keeps ids, months and dates as the text they are, and shares to 4 decimals (${danish ? 'Danish' : 'default'} style)`, () => {
      const text = toCsv(columns, rows, { danish });
      const lines = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map((l) => fields(l, danish ? ';' : ','));
      expect(lines[0]).toEqual(columns.map((c) => c.header));
      const read = lines.slice(1).map((l) => l.map(asExcelReadsIt));
      for (const [i, r] of rows.entries()) {
        for (const [k, v] of [r.sor, r.yder, r.month, r.day, r.name].entries()) expect(read[i]![k]).toEqual({ type: 'text', shown: v });
      }
      expect(read.map((r) => r[5])).toEqual([{ type: 'number', shown: '0.6655' }, { type: 'number', shown: '0.3333' }]);
      expect(read.map((r) => r[6])).toEqual([{ type: 'number', shown: '7419' }, { type: 'number', shown: '0' }]);
    });
  }

  it('reads a bare SOR code and month as Excel would mangle them (the emulation is not vacuous)', () => {
    expect(asExcelReadsIt('7510731000016007')).toEqual({ type: 'number', shown: '7510731000016010' });
    expect(asExcelReadsIt('2024-11').type).toBe('date');
  });
});

describe('wording', () => {
  it('writes ages in days and hours, one row in the singular, and times in the configured zone', () => {
    expect(duration(5985.75)).toBe('249 days 10 hours');
    expect(duration(48)).toBe('2 days');
    expect(duration(25)).toBe('1 day 1 hour');
    expect(duration(0.5)).toBe('30 minutes');
    expect(durationsIn('at most 336 hours old')).toBe('at most 14 days old');
    expect([countOf(1, 'row'), countOf(0, 'row'), countOf(7419, 'row'), countOf(null, 'row')]).toEqual(['1 row', '0 rows', '7,419 rows', '– rows']);
    // winter and summer time in Copenhagen, and UTC itself
    expect(localTime('2026-12-05T08:45:09Z', 'Europe/Copenhagen')).toBe('2026-12-05 09:45 CET');
    expect(localTime('2026-07-05T00:30:00Z', 'Europe/Copenhagen')).toBe('2026-07-05 02:30 CEST');
    expect(localTime('2026-07-05T00:30:00Z', 'UTC')).toBe('2026-07-05 00:30 UTC');
  });
});

describe('count axes', () => {
  const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  it('label the value axis of a count chart (echarts drew none without a formatter) and write counts on bars', () => {
    const bar = texts(barChart({ title: 'Failing rows', categories: ['a', 'b'], series: [{ name: 'rows', values: [1670, 8] }], horizontal: true, valueLabels: true, valueName: 'rows' }));
    expect(bar).toEqual(expect.arrayContaining(['0', '600', '1,200', '1,800', '1,670', '8', 'rows']));
    const line = texts(lineChart({ title: 'Rows', categories: ['x', 'y', 'z'], series: [{ name: 'rows', values: [1670, 8, 100] }], yMin: 0 }));
    expect(line).toEqual(expect.arrayContaining(['0', '600', '1,200', '1,800']));
    const rate = texts(lineChart({ title: 'Rate', categories: ['x', 'y'], series: [{ name: 'rate', values: [2.5, 4] }], yMin: 0, valueSuffix: '%' }));
    expect(rate).toEqual(expect.arrayContaining(['0%', '1%', '4%']));
  });
});

describe('suppression', () => {
  it('suppresses counts 1-4 and nothing else', () => {
    expect([0, 1, 2, 3, 4, 5, 100].map(suppressCount)).toEqual([0, null, null, null, null, 5, 100]);
    expect(isSmallCount(4n)).toBe(true);
    expect(isSmallCount(null)).toBe(false);
  });

  it('hides a share whose numerator, complement or denominator is 1-4', () => {
    expect(protectShare(50, 100)).toEqual({ numerator: 50, denominator: 100, suppressed: false });
    expect(protectShare(3, 100)).toEqual({ numerator: null, denominator: 100, suppressed: true });
    expect(protectShare(97, 100)).toEqual({ numerator: null, denominator: 100, suppressed: true });
    expect(protectShare(0, 100)).toEqual({ numerator: 0, denominator: 100, suppressed: false });
    expect(protectShare(100, 100)).toEqual({ numerator: 100, denominator: 100, suppressed: false });
    expect(protectShare(2, 4)).toEqual({ numerator: null, denominator: null, suppressed: true });
    expect(protectShare(0, 0).suppressed).toBe(true);
  });

  it('gives stable pseudonyms that do not contain the SOR code and differ per key', () => {
    const sor = '61741000016007';
    const a = new Pseudonymiser('k'.repeat(32));
    const b = new Pseudonymiser('k'.repeat(32));
    const c = new Pseudonymiser('j'.repeat(32));
    expect(a.of(sor)).toMatch(/^K-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(a.of(sor)).toBe(b.of(sor));
    expect(a.of(sor)).not.toBe(c.of(sor));
    expect(a.of(sor)).not.toContain('1000016');
    const many = new Set(Array.from({ length: 2000 }, (_, i) => a.of(String(61741000016007 + i))));
    expect(many.size).toBe(2000);
    expect(() => new Pseudonymiser('short')).toThrow(/pseudonym key too short: 5 bytes/);
  });

  it('creates the key file once and reuses it', async () => {
    const keyFile = join(dir, 'keys', 'pseudonym.key');
    const first = await loadPseudonymKey(keyFile, {});
    const second = await loadPseudonymKey(keyFile, {});
    expect(first.equals(second)).toBe(true);
    expect(first.length).toBe(32);
    expect((await stat(keyFile)).mode & 0o077).toBe(0);
    expect((await loadPseudonymKey(keyFile, { FANGST_PSEUDONYM_KEY: 'from-the-environment' })).toString()).toBe('from-the-environment');
  });
});

describe('html and charts', () => {
  it('escapes text and formats shares and changes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(formatPercent(0.59024)).toBe('59.0%');
    expect(formatPercent(null)).toBe('–');
    expect(formatPoints(0.0312)).toBe('+3.1 pp');
    expect(formatPoints(-0.0312)).toBe('−3.1 pp');
    expect(formatPoints(0.00001)).toBe('0.0 pp');
  });

  it('renders charts to self-describing SVG strings', () => {
    const svg = lineChart({
      title: 'A-share <by month>',
      categories: ['2025-01', '2025-02', '2025-03'],
      series: [{ name: 'national', values: [0.5, null, 0.6], band: { low: [0.45, null, 0.55], high: [0.55, null, 0.65] } }],
      percent: true,
      marks: [{ value: 0.8, label: 'target 80%' }],
    });
    expect(svg.startsWith('<svg data-chart="line" role="img" aria-label="A-share &lt;by month&gt;"')).toBe(true);
    expect(svg).toContain('A-share &lt;by month&gt;');
    expect(svg).toContain('target 80%');
    expect(sparkline([0.1, 0.2, null, 0.4])).toMatch(/^<svg data-chart="sparkline"/);
  });

  it('draws a sparkline\'s points where their values lie, a null as a gap, the reference across it', () => {
    const lines = (svg: string) => [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]);
    // 120 x 28 with a 2-pixel margin: x from 2 to 118, the value 0 at y 26 and 1 at y 2
    expect(lines(sparkline([0, 1]))).toEqual(['2,26 118,2']);
    expect(lines(sparkline([0, 0.5, null, 1, 1]))).toEqual(['2,26 31,14', '89,2 118,2']);
    // a lone value between gaps is no line; a value beyond min..max is drawn at the edge
    expect(lines(sparkline([0.5, null, 0.5, null, 2, -1]))).toEqual(['94.8,2 118,26']);
    expect(lines(sparkline([5, 10], { min: 0, max: 10 }))).toEqual(['2,14 118,2']);
    const target = sparkline([0.2, 0.4], { reference: 0.8, label: 'A-share <monthly>' });
    expect(target).toMatch(/<line x1="2" x2="118" y1="6.8" y2="6.8"/);
    expect(target.startsWith('<svg data-chart="sparkline" role="img" aria-label="A-share &lt;monthly&gt;"')).toBe(true);
  });

  it('renders a self-contained page in headless Chromium with every chart and no errors', { skip: !chromiumAvailable() }, async () => {
    const categories = ['2025-01', '2025-02', '2025-03', '2025-04'];
    const rows = [
      { name: 'Klinik & co', values: [0.1, 0.3, null, 0.5] },
      { name: '<script>alert(1)</script>', values: [0.9, 0.8, 0.7, 0.6] },
    ];
    const body = [
      keyFigures([{ label: 'A-share', value: '59.0%', sub: '2,908,494 of 4,927,705' }]),
      section('Trend', chartFigure(lineChart({ categories, series: [{ name: 'A', values: [0.5, 0.55, 0.6, 0.62] }, { name: 'marked', values: [0.6, 0.62, 0.66, 0.7], dashed: true }], percent: true }), 'monthly')),
      section('Change', chartFigure(barChart({ categories, series: [{ name: 'within', values: [0, 0.01, -0.02, 0.03] }, { name: 'mix', values: [0, 0.002, 0.001, -0.004] }], stacked: true, points: true }))),
      section('Clinics', renderTable([
        { label: 'clinic', value: (r: (typeof rows)[number]) => r.name },
        { label: 'trend', value: (r: (typeof rows)[number]) => raw(sparkline(r.values, { reference: 0.8 })) },
      ], rows)),
    ].join('\n');
    const file = join(dir, 'page.html');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, renderPage({ title: 'Kit test', subtitle: 'æøå', body }));
    const page = await renderInBrowser(file, { screenshot: join(dir, 'page.png') });
    expect(page.consoleErrors).toEqual([]);
    expect(page.externalRequests).toEqual([]);
    expect(page.title).toBe('Kit test');
    expect(page.charts).toEqual({ line: 1, bar: 1, sparkline: 2 });
    expect(page.visibleCharts).toBe(4);
    expect((await stat(join(dir, 'page.png'))).size).toBeGreaterThan(1000);
  });
});
