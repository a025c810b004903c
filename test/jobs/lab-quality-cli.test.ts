import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
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
    for (const f of ['report.html', 'summary.json', 'flagged-rows.parquet', 'flagged-rows.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // the rows again as JSON text only with --flagged-json, and the evaluation's database (as
    // large as the extract) only with --keep-database: the outputs grow with the findings
    expect(existsSync(join(out, 'flagged-rows.json'))).toBe(false);
    expect(existsSync(join(out, 'lab-quality.duckdb'))).toBe(false);
    expect(stdout).not.toContain('database:');
  });

  it('ends with one line naming the output it could not write, and exit 1, when flagged-rows.parquet cannot be written', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const out = join(ws.root, 'lq');
    // the flagged rows are written beside the figures and the report: the error of the one must
    // come out whole, after the other has finished, with no stack and no second error
    await mkdir(join(out, 'flagged-rows.parquet', 'in-the-way'), { recursive: true });
    const { code, stderr } = await fangst(['lab-quality', ws.inbox, '--out', out]);
    expect(code).toBe(1);
    const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
    expect(lines).toEqual([expect.stringMatching(/^fangst lab-quality: .*flagged-rows\.parquet.*Is a directory/)]);
  });

  it('keeps the database with --keep-database, with the same evaluation, and a later run without it leaves none behind', async () => {
    const ws = await workspace();
    await writeLabExtract(ws);
    const summary = async (dir: string) => {
      const s = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      delete s.generatedAt;
      return s;
    };
    const plain = join(ws.root, 'plain');
    const kept = join(ws.root, 'kept');
    expect((await fangst(['lab-quality', ws.inbox, '--out', plain])).code).toBe(0);
    const withDb = await fangst(['lab-quality', ws.inbox, '--out', kept, '--keep-database']);
    expect(withDb.code).toBe(0);
    expect(withDb.stdout).toContain(`database: ${join(kept, 'lab-quality.duckdb')} (the extract as delivered, identifiers included: not for sharing)`);
    expect(existsSync(join(kept, 'lab-quality.duckdb'))).toBe(true);
    expect(await summary(kept)).toEqual(await summary(plain));
    // the kept database holds every row read and not rejected, published or quarantined as the
    // nightly job would (fangst score and further SQL read them there)
    const s = await summary(kept) as { rowsRead: number; rejected: number };
    await withDatabase(join(kept, 'lab-quality.duckdb'), async (_d, conn) => {
      const [c] = await queryRows<{ published: bigint; quarantined: bigint }>(conn, `select
        (select count(*) from core.laboratoriesvar) as published, (select count(*) from core.quarantine) as quarantined`);
      expect(Number(c!.published)).toBeGreaterThan(0);
      expect(Number(c!.quarantined)).toBeGreaterThan(0);
      expect(Number(c!.published) + Number(c!.quarantined)).toBe(s.rowsRead - s.rejected);
    }, { readOnly: true });
    // the folder describes the last evaluation only
    expect((await fangst(['lab-quality', ws.inbox, '--out', kept])).code).toBe(0);
    expect(existsSync(join(kept, 'lab-quality.duckdb'))).toBe(false);
  });

  it('exits with 2 and names the file and key when the mapping is wrong, before reading any data', async () => {
    const ws = await workspace();
    const mapping = await ws.put('m.yaml', 'system: X\ndeliveries:\n  - kind: laboratoriesvar\n    files: "*.csv"\n    format: csv\n    columns: { record_id: Id, sor_code: Sor, patient: Pt, value: Val }\n');
    const { code, stderr } = await fangst(['lab-quality', ws.inbox, '--mapping', mapping, '--out', join(ws.root, 'lq')]);
    expect(code).toBe(2);
    expect(stderr).toContain('deliveries[0].columns.analysis_code: found nothing, expected a mapping for this required column');
    expect(existsSync(join(ws.root, 'lq'))).toBe(false);
  });
  it('judges times as of --as-of, says so first, and exits with 64 on a date it cannot read', async () => {
    const ws = await workspace();
    await ws.put('export/results.csv', 'Id,Pt,Code,Val,Taken,Done\nr1,PATIENT1,NPU02319,8.1,2180-03-01 08:00,2180-03-01 09:00\nr2,PATIENT2,NPU02319,8.4,2180-07-01 08:00,2180-07-01 09:00\n');
    const mapping = await ws.put('m.yaml', [
      'system: Shifted export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv', '    timestamps: "%Y-%m-%d %H:%M"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken, resulted_at: Done }', '',
    ].join('\n'));
    const out = join(ws.root, 'lq');
    const ok = await fangst(['lab-quality', join(ws.inbox, 'export'), '--mapping', mapping, '--as-of', '2180-05-01', '--out', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('Evaluated as of 2180-05-01 (--as-of): a time after it is in the future.');
    // r2 is sampled after the as-of date: one of two usable
    expect(ok.stdout).toMatch(/^usable: 1 \(50\.0%\)/m);
    const bad = await fangst(['lab-quality', join(ws.inbox, 'export'), '--mapping', mapping, '--as-of', '1 May 2180', '--out', out]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--as-of: found "1 May 2180", expected a date (YYYY-MM-DD)');
  });

  it('names the --mapping\'s own files pattern when a file matches no layout', async () => {
    const ws = await workspace();
    await ws.put('export/LIS2 eksport 1 x.csv', 'Id,Pt,Code,Val\nr1,PATIENT1,NPU02319,8.1\n');
    const mapping = await ws.put('m.yaml', [
      'system: LIS2', 'deliveries:', '  - kind: laboratoriesvar', '    files: "LIS2_*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val }', '',
    ].join('\n'));
    const { code, stderr } = await fangst(['lab-quality', join(ws.inbox, 'export'), '--mapping', mapping, '--out', join(ws.root, 'lq')]);
    expect(code).toBe(64);
    expect(stderr).toContain('not read: LIS2 eksport 1 x.csv (name matches no layout in config/sources, nor the --mapping\'s files "LIS2_*.csv")');
  });

  it('never reads a file whose name holds a CPR number, also when it is named alone, and says why', async () => {
    const ws = await workspace();
    const rows = 'Id,Pt,Code,Val\nr1,PATIENT1,NPU02319,8.1\nr2,PATIENT2,NPU02319,8.4\n';
    await ws.put('export/results_0101901234.csv', rows);
    await ws.put('export/results_ok.csv', rows.replace(/r(\d)/g, 'q$1'));
    const mapping = await ws.put('m.yaml', [
      'system: Named export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val }', '',
    ].join('\n'));
    const out = join(ws.root, 'lq');
    const both = await fangst(['lab-quality', join(ws.inbox, 'export'), '--mapping', mapping, '--out', out]);
    expect(both.code).toBe(0);
    // the other file's two rows only; the named one listed, masked, with the reason
    expect(both.stdout).toContain('lab results read: 2 in 1 files');
    expect(both.stdout).toContain('results_[CPR].csv: the file name holds a CPR number: not loaded');
    const summary = await readFile(join(out, 'summary.json'), 'utf8');
    expect(summary).toContain('results_[CPR].csv');
    // named on its own, with a mapping that would otherwise read any single file: not read, and the
    // error says why instead of only that no lab file was found
    const alone = await fangst(['lab-quality', join(ws.inbox, 'export', 'results_0101901234.csv'), '--mapping', mapping, '--out', join(ws.root, 'lq2')]);
    expect(alone.code).toBe(64);
    expect(alone.stderr).toContain('not read: results_[CPR].csv (the file name holds a CPR number: not loaded; rename the file without it)');
    for (const text of [both.stdout, both.stderr, summary, alone.stdout, alone.stderr]) expect(text).not.toContain('0101901234');
    // a file named alone is that file, not also one of its name in a folder below
    await ws.put('export/old/results_ok.csv', rows.replace(/r(\d)/g, 'o$1'));
    const one = await fangst(['lab-quality', join(ws.inbox, 'export', 'results_ok.csv'), '--mapping', mapping, '--out', join(ws.root, 'lq3')]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('lab results read: 2 in 1 files');
  });
});
