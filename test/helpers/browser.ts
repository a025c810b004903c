// Opens a report in Debian's headless Chromium through playwright-core and says what a reader
// would see: console errors, failed or attempted network requests, how many charts rendered.
// Tests that need it skip visibly with `describe.skipIf(!chromiumAvailable())`.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.FANGST_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(chromiumPath);
}

export interface RenderedPage {
  readonly title: string;
  /** console.error messages and uncaught page errors. */
  readonly consoleErrors: readonly string[];
  /** Every request that was not for the page itself: a self-contained report makes none. */
  readonly externalRequests: readonly string[];
  /** Root <svg> elements of the report kit's charts (data-chart attribute), by kind. */
  readonly charts: Readonly<Record<string, number>>;
  /** All <svg> elements on the page. */
  readonly svgCount: number;
  /** Charts that laid out with a non-zero size. */
  readonly visibleCharts: number;
  readonly screenshot?: string;
}

const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Loads `htmlFile` from disk, waits for it to settle, and optionally writes a PNG screenshot. */
export async function renderInBrowser(htmlFile: string, options: { screenshot?: string } = {}): Promise<RenderedPage> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    const url = pathToFileURL(htmlFile).href;
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      externalRequests.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    const stats = await page.evaluate(() => {
      const charts: Record<string, number> = {};
      let visible = 0;
      for (const el of Array.from(document.querySelectorAll('svg[data-chart]'))) {
        const kind = el.getAttribute('data-chart') ?? '';
        charts[kind] = (charts[kind] ?? 0) + 1;
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) visible++;
      }
      return { title: document.title, charts, svgCount: document.querySelectorAll('svg').length, visible };
    });
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    return {
      title: stats.title,
      consoleErrors,
      externalRequests,
      charts: stats.charts,
      svgCount: stats.svgCount,
      visibleCharts: stats.visible,
      screenshot: options.screenshot,
    };
  } finally {
    await browser.close();
  }
}

/**
 * Opens a report in headless Chromium and returns what `read` finds in its DOM: for tests that
 * check what a reader sees on the page (axis labels, table cells), not what the HTML source says.
 */
export async function readPage<T>(htmlFile: string, read: () => T): Promise<T> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    return await page.evaluate(read);
  } finally {
    await browser.close();
  }
}
