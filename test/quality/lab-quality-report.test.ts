import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { chromiumAvailable, renderInBrowser } from '../helpers/browser.ts';
import { workspace } from '../helpers/inbox.ts';
import { CLINICS, writeLabExtract } from '../fixtures/lab/extract.ts';

describe.skipIf(!chromiumAvailable())('lab-quality analyst report in headless Chromium', () => {
  it('renders without console errors or requests, with the overview charts and a value distribution per analysis', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const result = await runLabQuality({
      extracts: [ws.inbox], out: join(ws.root, 'out'), now: new Date('2026-03-01T12:00:00Z'), logger: pino({ level: 'silent' }),
    });
    const page = await renderInBrowser(result.outputs.report);
    expect(page.consoleErrors).toEqual([]);
    expect(page.externalRequests).toEqual([]);
    expect(page.title).toBe('Lab extract evaluation');
    // usable share by analysis and by journal system; one box plot per numeric analysis
    expect(page.charts.bar).toBeGreaterThanOrEqual(2);
    const numericPanels = result.outputs.summary.panels.filter((p) => p.numeric > 0 && p.clinics.some((c) => c.n >= 5));
    expect(page.charts.boxplot).toBe(numericPanels.length);
    expect(page.visibleCharts).toBe(Object.values(page.charts).reduce((a, b) => a + b, 0));
    const html = await readFile(result.outputs.report, 'utf8');
    // the shifted clinics are named with the likely cause; no patient pseudonym is in the page
    expect(html).toContain(CLINICS.C3);
    expect(html).toContain('values look like g/dL reported in the canonical unit');
    expect(html).toContain('values look like % reported in the canonical unit');
    expect(html).not.toMatch(/PC[0-9]HB|PDUPLICATE/);
  });
});
