// What an analyst reads first about a regional laboratory export: the checks with the most rows.
// The pipeline's own findings (an exact re-send) were listed above every lab check in the report
// and summary.json, whatever their rows.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const MAPPING = lisMapping('Patient', { ref_low: 'RefLav', ref_high: 'RefHoj', abnormal_flag: 'Flag' });

/** 300 Hb results inside 7,3-10,5, the first 123 flagged high; then 4 lines sent again as they were. */
async function evaluate() {
  const ws = await workspace();
  const lines = ['Provenr;Afdeling;Patient;Analysekode;Resultat;Enhed;RefLav;RefHoj;Flag;Provetidspunkt'];
  for (let i = 0; i < 300; i++) {
    const value = (8 + (i % 10) / 5).toFixed(1).replace('.', ',');
    lines.push(`${i + 1};SOR1001;P${i % 50};NPU02319;${value};mmol/L;7,3;10,5;${i < 123 ? 'H' : ''};0${1 + (i % 9)}-10-2024 10:${String(i % 60).padStart(2, '0')}`);
  }
  lines.push(...lines.slice(201, 205));
  await ws.put('export/LIS_2024-10.csv', `${lines.join('\n')}\n`);
  const mapping = await ws.put('mapping.yaml', MAPPING);
  const out = join(ws.root, 'out');
  const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, logger: pino({ level: 'silent' }) });
  return { result, out };
}

describe('the findings by check of a lab evaluation', () => {
  it('lists the checks by rows, most first, a hidden count as the smallest, in the report and summary.json', async () => {
    const { out } = await evaluate();
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { checks: { checkId: string; rows: number | null }[] };
    expect(summary.checks.slice(0, 2)).toEqual([
      expect.objectContaining({ checkId: 'lab.flag_inconsistent', rows: 123 }),
      expect.objectContaining({ checkId: 'pipeline.duplicate', rows: null }),
    ]);
    const rest = summary.checks.slice(2);
    expect(rest.every((c) => c.rows === 0)).toBe(true);
    expect(rest.map((c) => c.checkId)).toEqual(rest.map((c) => c.checkId).sort());
    const html = await readFile(join(out, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<section id="checks">'), html.indexOf('</section>', html.indexOf('<section id="checks">')));
    const listed = [...section.matchAll(/<tr[^>]*><td>([a-z_.]+)<\/td>/g)].map((m) => m[1]);
    expect(listed.slice(0, 2)).toEqual(['lab.flag_inconsistent', 'pipeline.duplicate']);
    expect(section).toMatch(/<td>pipeline\.duplicate<\/td>.*?<td class="num">–<\/td>/);
  });
});

describe('the terminal verdict of a lab evaluation', () => {
  it('names the checks with the most rows under it, with their column and analysis, counts exact as on the terminal', async () => {
    const { result } = await evaluate();
    const lines = result.outputs.text.split('\n');
    const verdict = lines.findIndex((l) => l.startsWith('usable: '));
    expect(lines.slice(verdict + 1, verdict + 4)).toEqual([
      'biggest problems (rows flagged; every check in the report\'s "Findings by check"):',
      '  123 lab.flag_inconsistent (warn; column abnormal_flag; most in NPU02319 B-Hæmoglobin): the abnormal flag does not agree with the value and the reference interval',
      expect.stringMatching(/^ {2}4 pipeline\.duplicate \(error; most in NPU02319 B-Hæmoglobin\): exact duplicate of LIS_2024-10\.csv line \d+$/),
    ]);
  });
});
