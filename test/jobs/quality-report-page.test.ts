// The quality report as a reader sees it in a browser, after two nights on small inboxes written
// by hand the way the journal systems write them: the row accounting per kind and file, failed and
// skipped files with their reasons, value axes with tick labels, counts on the bars, the chart's
// truncation stated, clinics and lab mix-ups named (pseudonymised in the shareable variant),
// times in the configured zone, and the footer naming version, configuration and database.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNightly, type NightlyResult } from '../../jobs/nightly.ts';
import type { QualityReportData } from '../../quality/reports/run/collect.ts';
import { chromiumAvailable, readPage } from '../helpers/browser.ts';
import { workspace, type Workspace } from '../helpers/inbox.ts';
import { CLINICS, writeLabExtract } from '../fixtures/lab/extract.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const C1 = CLINICS.C1;

// Night 1: every way a row can go. Read 8 = published 2 + quarantined 4 + rejected 2.
const NIGHT_1 = [
  HEADER,
  `d1;${C1};;P0000001;DH353;A;02-05-2025`,        // line 2: duplicate of line 7 (the earlier copy is quarantined)
  `d2;${C1};;P0000002;DJ459;B;03-05-2025`,        // line 3: published
  `d3;${C1};;P0000003;DH259;;31-02-2025`,         // line 4: impossible date -> rejected
  `d4;${C1};;P0000004;DH259;A;05-05-2025;extra`,  // line 5: too many columns -> rejected
  `d5;99999000016001;;P0000005;DH259;A;06-05-2025`, // line 6: SOR code not in the register -> quarantined
  `d1;${C1};;P0000001;DH353;A;02-05-2025`,        // line 7: published
  `d6;${C1};;P0000006;DK509;A;07-05-2031`,        // line 8: contact date in the future -> quarantined
  `d7;${C1};;P0000007;XX123;A;08-05-2025`,        // line 9: not an SKS code -> quarantined
].join('\n') + '\n';

const NIGHT_2 = [HEADER, `d8;${C1};;P0000008;DH353;A;01-06-2025`, `d9;${C1};;P0000009;DH353;B;01-06-2025`].join('\n') + '\n';

interface ChartText { text: string; x: number; y: number; right: number }
interface PageRead {
  accounting: string[][];
  failedFiles: string[][];
  skippedFiles: string[][];
  charts: { label: string; texts: ChartText[] }[];
  captions: string[];
  subtitle: string;
  footer: string;
  passesOpen: boolean | null;
  where: string;
}

/** What the page shows: tables as cell text, and every chart's texts with their positions. */
function readReport(): PageRead {
  const cells = (table: Element | null | undefined) =>
    table ? Array.from(table.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')) : [];
  const tableAfter = (heading: string) => {
    const h = Array.from(document.querySelectorAll('#accounting h3')).find((e) => e.textContent?.startsWith(heading));
    let el = h?.nextElementSibling;
    while (el && el.tagName !== 'TABLE') el = el.nextElementSibling;
    return el;
  };
  const charts = Array.from(document.querySelectorAll('svg[data-chart="bar"], svg[data-chart="line"]')).map((svg) => ({
    label: svg.getAttribute('aria-label') ?? '',
    texts: Array.from(svg.querySelectorAll('text')).map((t) => {
      const b = t.getBoundingClientRect();
      return { text: t.textContent ?? '', x: Math.round(b.left), y: Math.round(b.top + b.height / 2), right: Math.round(b.right) };
    }),
  }));
  return {
    accounting: cells(document.querySelector('#accounting > table')),
    failedFiles: cells(tableAfter('Failed files')),
    skippedFiles: cells(tableAfter('Skipped files')),
    charts,
    captions: Array.from(document.querySelectorAll('figcaption')).map((f) => f.textContent ?? ''),
    subtitle: document.querySelector('.subtitle')?.textContent ?? '',
    footer: document.querySelector('footer')?.textContent ?? '',
    passesOpen: (document.querySelector('#passed details') as HTMLDetailsElement | null)?.open ?? null,
    where: document.querySelector('#where')?.textContent ?? '',
  };
}

const numeric = /^-?[\d,]+(\.\d+)?%?$/;
const value = (t: string) => Number(t.replace(/[,%]/g, ''));

/** The tick labels of a chart's value axis: the numbers that share one row (bar charts, horizontal) or one right edge (line charts). */
function valueTicks(chart: PageRead['charts'][number], along: 'row' | 'column'): string[] {
  const groups = new Map<number, ChartText[]>();
  for (const t of chart.texts.filter((x) => numeric.test(x.text))) {
    const key = along === 'row' ? t.y : t.right;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const best = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return best.sort((a, b) => (along === 'row' ? a.x - b.x : b.y - a.y)).map((t) => t.text);
}

describe.skipIf(!chromiumAvailable())('the quality report in a browser', () => {
  let ws: Workspace;
  let night1: NightlyResult;
  let night2: NightlyResult;
  const report = (n: NightlyResult, shareable = false) => join(ws.reports, n.summary.runId, `quality-report${shareable ? '-shareable' : ''}`);
  const json = async (n: NightlyResult, shareable = false) => JSON.parse(await readFile(`${report(n, shareable)}.json`, 'utf8')) as QualityReportData;

  beforeAll(async () => {
    ws = await workspace();
    await writeLabExtract(ws);
    await ws.put('novax/2025-05_diagnoser_1.csv', NIGHT_1, 'latin-1');
    await ws.put('novax/2025-05_diagnoser_2.csv', '');
    await ws.put('novax/noter.txt', 'not a delivery\n');
    const opts = { inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent };
    night1 = await runNightly({ ...opts, now: new Date('2025-06-02T01:30:00Z') });
    await ws.put('novax/2025-06_diagnoser_1.csv', NIGHT_2, 'latin-1');
    await ws.put('novax/2025-05_diagnoser_1_again.csv', NIGHT_1, 'latin-1');
    night2 = await runNightly({ ...opts, now: new Date('2025-06-03T01:30:00Z') });
  });

  it('opens with the row accounting per kind, the numbers the run counted, and failed and skipped files with reasons', async () => {
    const page = await readPage(`${report(night1)}.html`, readReport);
    const byKind = Object.fromEntries(page.accounting.map((r) => [r[0], r.slice(1).map(value)]));
    // by hand from the file above
    expect(byKind.diagnoser).toEqual([8, 2, 4, 2]);
    for (const k of night1.summary.byKind) expect(byKind[k.kind]).toEqual([k.read, k.published, k.quarantined, k.rejected]);
    const t = night1.summary.totals;
    expect(byKind['All kinds']).toEqual([t.read, t.published, t.quarantined, t.rejected]);
    expect(t.read).toBe(t.published + t.quarantined + t.rejected);
    expect(page.failedFiles).toEqual([['novax/2025-05_diagnoser_2.csv', 'failed', expect.stringContaining('empty file')]]);
    expect(page.skippedFiles).toEqual([['novax/noter.txt', 'unrecognised', expect.any(String)]]);
    const night2Page = await readPage(`${report(night2)}.html`, readReport);
    expect(night2Page.skippedFiles).toContainEqual(['novax/2025-05_diagnoser_1_again.csv', 'already loaded', 'same content already loaded']);
    // the same in the JSON and the Markdown
    const data = await json(night1);
    expect(data.accounting.kinds.find((k) => k.kind === 'diagnoser')).toEqual({ kind: 'diagnoser', read: 8, published: 2, quarantined: 4, rejected: 2 });
    const md = await readFile(`${report(night1)}.md`, 'utf8');
    expect(md).toContain('| diagnoser | 8 | 2 | 4 | 2 |');
    expect(md).toMatch(/- novax\/2025-05\\_diagnoser\\_2\.csv: failed – empty file/);
  });

  it('labels every value axis, writes the counts on the bars and says what the failing-rows chart leaves out', async () => {
    const page = await readPage(`${report(night2)}.html`, readReport);
    const first = await readPage(`${report(night1)}.html`, readReport);
    const failing = first.charts.find((c) => c.label.startsWith('Failing rows per check'))!;
    const ticks = valueTicks(failing, 'row');
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks[0]).toBe('0');
    expect(ticks.map(value)).toEqual([...ticks.map(value)].sort((a, b) => a - b));
    // each bar carries its count, and the pipeline's findings name their kind
    const data = await json(night1);
    const charted = data.problems.filter((c) => c.checkScope === 'row' && (c.numerator ?? 0) > 0);
    const names = failing.texts.map((t) => t.text);
    expect(names).toContain('lab.unit_mixup_clinic');
    // the pipeline's findings carry their kind: pipeline.duplicate of diagnoser is not epikriser's
    const pipelineNames = names.filter((n) => n.startsWith('pipeline.'));
    expect(pipelineNames.length).toBeGreaterThan(0);
    for (const n of pipelineNames) expect(n).toMatch(/^pipeline\.[a-z_]+ \((diagnoser|epikriser|laboratoriesvar|notater|billeddiagnostiske_epikriser)\)$/);
    const mixup = charted.find((c) => c.checkId === 'lab.unit_mixup_clinic')!;
    expect(names).toContain(mixup.numerator!.toLocaleString('en-US'));
    const caption = first.captions.find((c) => /checks with failing rows/.test(c))!;
    expect(caption).toBe(charted.length > 15 ? `15 of ${charted.length} checks with failing rows shown, the most failing rows first.` : `All ${charted.length} checks with failing rows.`);

    for (const title of ['Rows with errors per run', 'Rows delivered per data day']) {
      const chart = page.charts.find((c) => c.label === title)!;
      const axis = valueTicks(chart, 'column');
      expect(axis.length, title).toBeGreaterThanOrEqual(3);
      expect(axis[0], title).toBe('0');
    }
    const rate = page.charts.find((c) => c.label.startsWith('Rows with errors per run, as a percent'))!;
    const rateTicks = valueTicks(rate, 'column');
    expect(rateTicks.length).toBeGreaterThanOrEqual(3);
    expect(rateTicks.every((t) => t.endsWith('%'))).toBe(true);
    // two runs, at their local times (Europe/Copenhagen: CEST in June)
    expect(rate.texts.map((t) => t.text)).toEqual(expect.arrayContaining(['2025-06-02 03:30', '2025-06-03 03:30']));
  });

  it('plots no data day after the run: the future contact date is counted in the caption instead', async () => {
    const page = await readPage(`${report(night1)}.html`, readReport);
    const volume = page.charts.find((c) => c.label === 'Rows delivered per data day')!;
    const days = volume.texts.map((t) => t.text).filter((t) => /^\d{4}-\d{2}-\d{2}$/.test(t));
    expect(days.length).toBeGreaterThan(1);
    expect(days.every((d) => d <= '2025-06-02')).toBe(true);
    expect(page.captions.join(' ')).toContain('diagnoser 1 row dated 2031-05-07');
  });

  it('names the clinics and the lab mix-up: analysis, clinic, unit and factor; pseudonyms in the shareable variant', async () => {
    const page = await readPage(`${report(night1)}.html`, readReport);
    expect(page.where).toContain(`clinic ${CLINICS.C3} sends NPU02319 values that look like g/dL under mmol/L`);
    expect(page.where).toMatch(/factor 0\.6206/);
    expect(page.where).toContain('Klinik 3');
    const data = await json(night1);
    const mixup = data.problems.find((c) => c.checkId === 'lab.unit_mixup_clinic')!;
    expect(mixup.clinics.map((c) => c.clinic).sort()).toEqual([CLINICS.C3, CLINICS.C5].sort());
    expect(mixup.findings.map((f) => f.rows)).toEqual([30, 25]);

    const shared = await readFile(`${report(night1, true)}.html`, 'utf8');
    for (const sor of Object.values(CLINICS)) expect(shared).not.toContain(sor);
    const sharedData = await json(night1, true);
    const sharedMixup = sharedData.problems.find((c) => c.checkId === 'lab.unit_mixup_clinic')!;
    expect(sharedMixup.clinics.map((c) => c.clinic).every((c) => /^K-[0-9A-Z]{8}$/.test(c))).toBe(true);
    expect(sharedMixup.clinics.every((c) => c.name === null)).toBe(true);
    expect(sharedMixup.findings[0]!.reason).toMatch(/^clinic K-[0-9A-Z]{8} sends NPU02319 values that look like g\/dL/);
    // counts of 1-4 nowhere in the shareable accounting; the per-file table stays in the operators' report
    for (const k of sharedData.accounting.kinds) for (const n of [k.read, k.published, k.quarantined, k.rejected]) expect(n === null || n === 0 || n > 4).toBe(true);
    expect(sharedData.accounting.files).toEqual([]);
    expect((await json(night1)).accounting.files.length).toBeGreaterThan(0);
  });

  it('writes times in the configured zone, rows in the singular for one, the footer, and folds the passes', async () => {
    const page = await readPage(`${report(night1)}.html`, readReport);
    expect(page.subtitle).toContain('checked 2025-06-02 03:30 CEST');
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(page.footer).toContain(`fangst ${pkg.version}`);
    expect(page.footer).toMatch(/configuration [0-9a-f]{12}/);
    expect(page.footer).toContain(`database ${ws.db}`);
    expect(page.footer).toContain('Times in Europe/Copenhagen.');
    expect(page.passesOpen).toBe(false);
    const html = await readFile(`${report(night1)}.html`, 'utf8');
    expect(html).not.toMatch(/\b1 rows\b/);
    expect(html).not.toMatch(/\d h old/);
    expect(html).toContain('1 row dated');
  });
});
if (!chromiumAvailable()) console.warn('skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)');
