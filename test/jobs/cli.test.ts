import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REGISTER, workspace } from '../helpers/inbox.ts';

const run = promisify(execFile);

async function fangst(args: string[]) {
  try {
    const { stdout, stderr } = await run('node', ['jobs/fangst.js', ...args], { env: { ...process.env, FANGST_LOG_FORMAT: 'json', FANGST_LOG_LEVEL: 'info' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the fangst command', () => {
  it('lists its subcommands in --help', async () => {
    const { code, stdout } = await fangst(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/nightly \[options\]/);
  });

  it('nightly prints a summary a person reads in five seconds, with the row accounting', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\nn1;61741000016007;;P1;DH353;A;03-01-2025\nn2;61741000016007;;P2;DH353;A;32-01-2025\n', 'latin-1');
    const { code, stdout, stderr } = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/batch b\S+ published/);
    expect(stdout).toContain('rows:  2 read = 1 published + 0 quarantined + 1 rejected');
    expect(stdout).toContain('clinic register: 3 clinics from register/klinikregister.csv');
    // Logs are JSON lines on stderr when asked for; the summary alone is on stdout.
    for (const line of stderr.trim().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    const again = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports]);
    expect(again.stdout).toContain('nothing new to publish');
    expect(again.stdout).toContain('files: 0 loaded, 2 already loaded (skipped)');
  });

  it('a configuration error exits 2 and names file and key', async () => {
    const { code, stderr } = await fangst(['nightly', '--config', 'does/not/exist.yaml']);
    expect(code).toBe(2);
    // a relative path says where it was looked for (ot14, ot15: started from another folder, the default config is not found)
    expect(stderr).toContain(`fangst nightly: does/not/exist.yaml: (file): found "ENOENT", expected a readable YAML file (looked for in ${process.cwd()}: start fangst in the folder that holds it, or pass --config)`);
  });

  it('nightly with a mistyped inbox exits 2 naming it, and creates no database, outbox or reports', async () => {
    const ws = await workspace();
    const inbox = `${ws.inbox}-typo`;
    const { code, stderr } = await fangst(['nightly', '--inbox', inbox, '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([`fangst nightly: no such inbox folder: ${inbox} (--inbox or inbox: in pipeline.yaml; nothing was created)`]);
    for (const made of [ws.db, ws.outbox, ws.reports]) expect(existsSync(made)).toBe(false);
  });
});
