// A row finding's reason may count rows of its own: clinic L1 of this hand-written night
// (test/fixtures/shareable-reason-count, written by an outside tester) sends 3 HbA1c results
// whose values are plausible only as %, under mmol/mol, and lab.unit_mixup_clinic's reason says
// "(3 results; too few elsewhere to compare)". The shareable report hides that count in its
// cells; it must not print it in the reason, in the findings or in the sample rows.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('a count inside a finding\'s reason, in the shareable quality report', () => {
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-reason-count-'));
    await cp(join('test', 'fixtures', 'shareable-reason-count', 'inbox'), join(dir, 'inbox'), { recursive: true });
    await run(process.execPath, ['jobs/fangst.js', 'nightly', '--inbox', join(dir, 'inbox'), '--db', join(dir, 'db.duckdb'),
      '--outbox', join(dir, 'outbox'), '--reports', join(dir, 'reports')], { env: { ...process.env, FANGST_PSEUDONYM_KEY: 'reason-count-test-key-0123456789' } });
    for (const f of ['quality-report.json', 'quality-report-shareable.json', 'quality-report-shareable.md', 'quality-report-shareable.html']) {
      files[f] = await readFile(join(dir, 'reports', 'latest', f), 'utf8');
    }
  });

  it('is in the operators\' report', () => {
    expect(files['quality-report.json']).toMatch(/\(3 results; too few elsewhere to compare\)/);
  });

  it('is in no form of the shareable report, while the finding and its analysis are', () => {
    for (const f of ['quality-report-shareable.json', 'quality-report-shareable.md', 'quality-report-shareable.html']) {
      const text = files[f]!;
      expect(text, f).toMatch(/NPU27300 values that are all plausible only as %/);
      expect(text, f).not.toMatch(/\b3 results/);
      expect(text, f).toMatch(/\(– results; too few elsewhere to compare\)/);
    }
  });
});
