import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { workspace } from '../helpers/inbox.ts';
import { CLINICS, writeLabExtract } from '../fixtures/lab/extract.ts';

const run = promisify(execFile);

async function fangst(args: string[]) {
  try {
    const { stdout, stderr } = await run('node', ['jobs/fangst.js', ...args], { env: { ...process.env, FANGST_LOG_FORMAT: 'json' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('fangst lab-quality on the command line', () => {
  it('evaluates a folder, prints the usable share and the shifted clinics, and writes its files into --out', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const out = join(ws.root, 'lq');
    const { code, stdout } = await fangst(['lab-quality', ws.inbox, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usable: \d+ \(\d+\.\d%\)/m);
    expect(stdout).toContain(`shifted: NPU02319 at clinic ${CLINICS.C3}`);
    for (const f of ['report.html', 'summary.json', 'flagged-rows.parquet', 'flagged-rows.csv', 'flagged-rows.json', 'lab-quality.duckdb']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  }, 120_000);

  it('exits with 2 and names the file and key when the mapping is wrong, before reading any data', async () => {
    const ws = await workspace();
    const mapping = await ws.put('m.yaml', 'system: X\ndeliveries:\n  - kind: laboratoriesvar\n    files: "*.csv"\n    format: csv\n    columns: { record_id: Id, sor_code: Sor, patient: Pt, value: Val }\n');
    const { code, stderr } = await fangst(['lab-quality', ws.inbox, '--mapping', mapping, '--out', join(ws.root, 'lq')]);
    expect(code).toBe(2);
    expect(stderr).toContain('deliveries[0].columns.analysis_code: found nothing, expected a mapping for this required column');
    expect(existsSync(join(ws.root, 'lq'))).toBe(false);
  }, 60_000);
});
