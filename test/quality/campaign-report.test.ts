// The campaign's outputs as a user gets them: `fangst campaign` on a database file, the HTML in
// headless Chromium, the CSV files, the JSON on stdout, and the shareable variant.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFound, UsageError } from '../../config/errors.ts';
import type { CampaignDocument } from '../../quality/reports/campaign/document.ts';
import { expectedCharts } from '../../quality/reports/campaign/render-html.ts';
import { withDatabase } from '../../transforms/db/connection.ts';
import { runCampaign } from '../../jobs/campaign.ts';
import { chromiumAvailable, renderInBrowser } from '../helpers/browser.ts';
import { cells, clinics, loadFixture } from '../helpers/campaign-fixture.ts';

const run = promisify(execFile);
let dir: string;
let dbFile: string;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fangst-campaign-'));
  dbFile = join(dir, 'fangst.duckdb');
  await withDatabase(dbFile, async (_db, conn) => loadFixture(conn, clinics, cells));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fangst campaign', () => {
  it('prints the JSON document with national whole-period and monthly shares', async () => {
    const { stdout } = await run(process.execPath, ['jobs/fangst.js', 'campaign', '--db', dbFile, '--json', '--start', '2025-01'], { cwd: process.cwd() });
    const doc = JSON.parse(stdout) as CampaignDocument;
    expect(doc.national.whole_period.a_share).toBeCloseTo(329 / 804, 12);
    expect(doc.national.whole_period.diagnoses).toBe(804);
    expect(doc.national.months.map((m) => [m.month, m.diagnoses, m.a_share, m.marked_share])).toEqual([
      ['2025-01', 251, 81 / 251, 96 / 251],
      ['2025-02', 283, 104 / 283, 123 / 283],
      ['2025-03', 270, 144 / 270, 158 / 270],
    ]);
    expect(doc.target).toBe(0.8);
  });

  it('throws a bad month or target as a usage error, a missing database as not found, with the value in the message', async () => {
    const c = capture();
    await expect(runCampaign({ db: dbFile, from: '2025-13' }, c.io)).rejects.toThrow(new UsageError('--from', '2025-13', 'a month as YYYY-MM'));
    await expect(runCampaign({ db: dbFile, target: '1.5' }, c.io)).rejects.toThrow('--target: found "1.5", expected a target share');
    await expect(runCampaign({ db: dbFile, from: '2025-03', to: '2025-01' }, c.io)).rejects.toThrow('--to: found "2025-01", expected a month not before --from 2025-03');
    await expect(runCampaign({ db: join(dir, 'nothing.duckdb') }, c.io)).rejects.toThrow(NotFound);
    await expect(runCampaign({ db: join(dir, 'nothing.duckdb') }, c.io)).rejects.toThrow(`no such database: ${join(dir, 'nothing.duckdb')}`);
    // a bad campaign block names the file and the key
    const cfgDir = join(dir, 'cfg');
    await mkdir(cfgDir, { recursive: true });
    await symlink(resolve('config/sources'), join(cfgDir, 'sources'));
    const yaml = (await readFile('config/pipeline.yaml', 'utf8')).replace(/^  target: .*$/m, '  target: 80');
    await writeFile(join(cfgDir, 'pipeline.yaml'), yaml);
    await expect(runCampaign({ db: dbFile, config: join(cfgDir, 'pipeline.yaml') }, capture().io)).rejects.toThrow(`${join(cfgDir, 'pipeline.yaml')}: campaign.target: found 80`);
    const empty = capture();
    expect((await runCampaign({ db: dbFile, from: '2030-01', json: true }, empty.io)).exitCode).toBe(1);
    expect(empty.err.join('')).toContain('no diagnoses between 2030-01 and the end');
  });

  it('writes HTML that renders in headless Chromium with every chart and no console error', { skip: !chromiumAvailable() }, async () => {
    const out = join(dir, 'report');
    const c = capture();
    const result = await runCampaign({ db: dbFile, out, start: '2025-01', target: '80%' }, c.io);
    expect(result.exitCode).toBe(0);
    expect(c.out.join('')).toContain('A-share 40.9% (329 of 804 diagnoses)');
    const doc = result.document!;
    // national + per system line charts, the shift-share bars, and a sparkline per specialty
    // (4) and per clinic in the focus lists (3 below target, the fourth has fewer than 30 diagnoses;
    // none ranked on 3 months)
    expect(expectedCharts(doc)).toEqual({ line: 2, bar: 1, sparkline: 7 });
    const page = await renderInBrowser(result.files!.html, { screenshot: join(dir, 'campaign.png') });
    expect(page.consoleErrors).toEqual([]);
    expect(page.externalRequests).toEqual([]);
    expect(page.charts).toEqual({ line: 2, bar: 1, sparkline: 7 });
    expect(page.visibleCharts).toBe(10);
    const html = await readFile(result.files!.html, 'utf8');
    expect(html).toContain('Øjenklinik Nord');
    expect(html).toContain('Systems that cannot mark');
  });

  it('writes CSV in the Danish Excel style on request', async () => {
    const out = join(dir, 'danish');
    const result = await runCampaign({ db: dbFile, out, danishCsv: true, start: '2025-01' }, capture().io);
    const text = await readFile(join(out, 'campaign_shares.csv'), 'utf8');
    expect(text.startsWith('\uFEFFlevel;group;month;diagnoses;a_diagnoses;')).toBe(true);
    const national = text.split('\r\n').find((l) => l.startsWith('national;all;whole period;'))!;
    const fields = national.split(';');
    expect(fields.slice(3, 7)).toEqual(['804', '329', '48', '377']);
    // a share to a hundredth of a percent, not twelve decimals
    expect(fields[7]).toBe('0,4092');
    // a month is text to Excel, not a date
    expect(text).toMatch(/\r\nnational;all;"=""20\d\d-\d\d""";/);
    const shift = await readFile(join(out, 'campaign_shift_share.csv'), 'utf8');
    expect(shift.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(result.files!.csv).toHaveLength(3);
  });

  it('says on the terminal when it creates a new pseudonym key, and where (relative to the working directory)', async () => {
    const work = join(dir, 'work');
    const cfgDir = join(dir, 'cfg-key');
    await mkdir(work, { recursive: true });
    await mkdir(cfgDir, { recursive: true });
    await symlink(resolve('config/sources'), join(cfgDir, 'sources'));
    const yaml = (await readFile('config/pipeline.yaml', 'utf8')).replace(/^  pseudonym_key_file: .*$/m, '  pseudonym_key_file: keys/pseudonym.key');
    await writeFile(join(cfgDir, 'pipeline.yaml'), yaml);
    const args = [resolve('jobs/fangst.js'), 'campaign', '--db', dbFile, '--config', join(cfgDir, 'pipeline.yaml'), '--shareable', '--out', join(dir, 'keyed')];
    const env = { ...process.env, FANGST_PSEUDONYM_KEY: '' };
    const first = await run(process.execPath, args, { cwd: work, env });
    const keyFile = join(work, 'keys', 'pseudonym.key');
    expect(first.stderr).toBe(`fangst campaign: created a new pseudonym key in ${keyFile} (campaign.pseudonym_key_file): keep it, or the clinics' pseudonyms in shareable reports change\n`);
    expect(existsSync(keyFile)).toBe(true);
    // the key is there now: nothing to say
    expect((await run(process.execPath, args, { cwd: work, env })).stderr).toBe('');
  });

  it('makes a shareable report with pseudonyms and no SOR code, name or small count in any file', async () => {
    const out = join(dir, 'shareable');
    process.env.FANGST_PSEUDONYM_KEY = 'a test key of at least sixteen bytes';
    const result = await runCampaign({ db: dbFile, out, shareable: true, start: '2025-01', config: 'config/pipeline.yaml' }, capture().io);
    // the key comes from the environment in this test, so no key file is written into var/
    expect(result.exitCode).toBe(0);
    for (const file of [result.files!.html, result.files!.json, ...result.files!.csv]) {
      const text = await readFile(file, 'utf8');
      for (const c of clinics) {
        expect(text, file).not.toContain(c.sor);
        expect(text, file).not.toContain(c.name);
      }
    }
    const doc = result.document!;
    expect(doc.shareable).toBe(true);
    expect(doc.clinics.every((c) => /^K-[0-9A-Z]{8}$/.test(c.clinic))).toBe(true);
    const again = await runCampaign({ db: dbFile, json: true, shareable: true }, capture().io);
    expect(again.document!.clinics.map((c) => c.clinic)).toEqual(doc.clinics.map((c) => c.clinic));
    delete process.env.FANGST_PSEUDONYM_KEY;
  });
});
