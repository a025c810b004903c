// An analyst's own evaluation (ot15 L4): three spring-skip rejects made "Unusable", "Rejected" and
// the whole completeness table "suppressed" in report.html and null in summary.json, while the
// terminal gave the numbers, and there was no way to get the report with them. --own-report writes
// report-own.html and summary-own.json beside the shareable ones, every count shown, saying first
// that they are not for sharing. The extract: a hand-written Danish LIS export (test/fixtures/lab/
// lis-cancelled.csv) of four results read, all small counts.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const MORE = { analysis_name: 'Analysenavn', ref_text: 'Referenceinterval', result_status: 'Status', resulted_at: 'Svartidspunkt' };
const exists = (f: string) => access(f).then(() => true, () => false);

describe('lab-quality --own-report', () => {
  it('writes the report and summary with every count beside the shareable ones, and a run without it removes them', async () => {
    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-10.csv', await readFile(join(here, 'lis-cancelled.csv'), 'utf8'));
    const mapping = await ws.put('m.yaml', `statuses:\n  pending: ["Under analyse"]\n${lisMapping('PatientID', MORE)}`);
    const out = join(ws.root, 'out');
    const run = (ownReport: boolean) => runLabQuality({ extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }), ownReport });

    const result = await run(true);
    const shared = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    const own = JSON.parse(await readFile(join(out, 'summary-own.json'), 'utf8'));
    // 9 records: 4 cancelled set apart, 5 read: 3 usable, 1 pending, 1 ("Udgået", no known spelling here) missing
    expect(shared).toMatchObject({ rowsRead: 5, usable: null, unusable: null, pending: null });
    expect(own).toMatchObject({ notForSharing: true, rowsRead: 5, usable: 3, unusable: 1, pending: 1, rejected: 0 });
    expect(own.files).toEqual([expect.objectContaining({ file: 'LIS_2024-10.csv', read: 5, rejected: 0, setApart: 4 })]);
    expect(own.checks.find((c: { checkId: string }) => c.checkId === 'lab.value_missing').rows).toBe(1);

    const ownHtml = await readFile(join(out, 'report-own.html'), 'utf8');
    const sharedHtml = await readFile(join(out, 'report.html'), 'utf8');
    expect(ownHtml).toContain('NOT FOR SHARING');
    expect(ownHtml).toContain('3 results');
    expect(ownHtml).not.toContain('Counts of 1-4, and the counts from which one could be recomputed, are shown as');
    expect(sharedHtml).not.toContain('NOT FOR SHARING');
    expect(sharedHtml).not.toContain('3 results');
    // counts, not patients: no pseudonym of the extract in either
    for (const text of [ownHtml, JSON.stringify(own)]) expect(text).not.toMatch(/P000\d/);
    expect(result.outputs.text).toContain(`own report: ${join(out, 'report-own.html')} and summary-own.json (every count, 1-4 included: not for sharing)`);

    await run(false);
    expect(await exists(join(out, 'report-own.html'))).toBe(false);
    expect(await exists(join(out, 'summary-own.json'))).toBe(false);
    expect(await exists(join(out, 'report.html'))).toBe(true);
  });
});
