import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/snapshot.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

async function everyPath(dir: string): Promise<string[]> {
  const out: string[] = [dir];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await everyPath(p)));
    else out.push(p);
  }
  return out;
}

describe('files fangst creates', () => {
  it('are its owner\'s only: database, lock, outbox and reports carry no group or other bits', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\n'
      + 'n1;61741000016007;;P0000001;DH353;A;03-01-2025\n');
    const work = join(ws.root, 'work');
    const run = spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'nightly', '--inbox', ws.inbox,
      '--db', join(work, 'db', 'fangst.duckdb'), '--outbox', join(work, 'outbox'), '--reports', join(work, 'reports')],
    { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'silent' } });
    expect(run.status, run.stderr).toBe(0);
    const paths = await everyPath(work);
    expect(paths.some((p) => p.endsWith('.parquet'))).toBe(true);
    expect(paths.some((p) => p.endsWith('.html'))).toBe(true);
    const open = [];
    for (const p of paths) {
      const mode = (await stat(p)).mode & 0o777;
      if (p !== work && (mode & 0o077) !== 0) open.push(`${p.slice(work.length)} ${mode.toString(8)}`);
    }
    expect(open).toEqual([]);
  });
});
