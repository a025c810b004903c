import { spawnSync } from 'node:child_process';
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
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

/**
 * Runs nightly, checks report, campaign and lab-quality into a fresh folder (the shell's umask
 * wide open) and returns the permission bits of everything they created, by kind of path.
 */
async function modesAfterRuns(config?: string): Promise<{ files: Set<string>; dirs: Set<string>; paths: string[] }> {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\n'
    + 'n1;61741000016007;;P0000001;DH353;A;03-01-2025\n');
  await ws.put('novax/2025-01_labsvar_1.csv', 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid\n'
    + 'l1;61741000016007;;P0000001;NPU02319;iupac;B-Hb;8,1;;mmol/L;7,3;9,5;;;svar_endeligt;01-01-2025 09:15;01-01-2025 09:30\n');
  const work = join(ws.root, 'work');
  const db = join(work, 'db', 'fangst.duckdb');
  const withConfig = config ? ['--config', config] : [];
  // The shell's umask is 000 here: what the files get is fangst's doing.
  const fangst = (...args: string[]) => spawnSync('/bin/sh', ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, join(REPO, 'jobs', 'fangst.js'), ...args],
    { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'silent' } });
  const runs = [
    fangst('nightly', '--inbox', ws.inbox, '--db', db, '--outbox', join(work, 'outbox'), '--reports', join(work, 'reports'), ...withConfig),
    fangst('checks', 'report', '--db', db, '--out', join(work, 'report'), ...withConfig),
    fangst('campaign', '--db', db, '--out', join(work, 'campaign'), ...withConfig),
    fangst('lab-quality', ws.inbox, '--out', join(work, 'lab'), ...withConfig),
  ];
  expect(runs.map((r) => r.status), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0]);
  const paths = (await everyPath(work)).filter((p) => p !== work);
  expect(paths.some((p) => p.endsWith('.parquet'))).toBe(true);
  expect(paths.some((p) => p.endsWith('.html'))).toBe(true);
  expect(paths.some((p) => p.endsWith('fangst.duckdb'))).toBe(true);
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const p of paths) {
    const s = await stat(p);
    (s.isDirectory() ? dirs : files).add((s.mode & 0o777).toString(8));
  }
  return { files, dirs, paths };
}

describe('files fangst creates', () => {
  it('are its owner\'s only by default: database, outbox, reports and lab-quality outputs are 0600, their folders 0700', async () => {
    const { files, dirs } = await modesAfterRuns();
    expect([...files]).toEqual(['600']);
    expect([...dirs]).toEqual(['700']);
  });

  it('are readable by the owner\'s group, never by others, with file_mode: group-readable', async () => {
    const ws = await workspace();
    const config = join(ws.root, 'config');
    await cp(join(REPO, 'config'), config, { recursive: true });
    const yaml = await readFile(join(config, 'pipeline.yaml'), 'utf8');
    expect(yaml).toMatch(/^file_mode: owner-only /m);
    await writeFile(join(config, 'pipeline.yaml'), yaml.replace(/^file_mode: owner-only /m, 'file_mode: group-readable '));
    const { files, dirs } = await modesAfterRuns(join(config, 'pipeline.yaml'));
    expect([...files]).toEqual(['640']);
    expect([...dirs]).toEqual(['750']);
  });

  it('refuses a file_mode it does not know, naming the key and the choices', async () => {
    const ws = await workspace();
    const config = join(ws.root, 'config');
    await cp(join(REPO, 'config'), config, { recursive: true });
    const yaml = await readFile(join(config, 'pipeline.yaml'), 'utf8');
    await writeFile(join(config, 'pipeline.yaml'), yaml.replace(/^file_mode: owner-only /m, 'file_mode: world-readable '));
    const run = spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'nightly', '--config', join(config, 'pipeline.yaml'),
      '--inbox', ws.inbox, '--db', ws.db, '--outbox', ws.outbox], { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'silent' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('file_mode');
    expect(run.stderr).toContain('"world-readable"');
    expect(run.stderr).toContain('owner-only or group-readable');
  });
});
