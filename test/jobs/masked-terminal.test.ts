import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/snapshot.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';

// A file named with a CPR number, a header holding one: what the terminal shows names the file
// and the problem, with the number masked.
describe('the terminal', () => {
  it('shows no CPR number from a file name or a header, in any spelling', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_150385-1037.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\n'
      + 'n1;61741000016007;;P0000001;DH353;A;03-01-2025\n');
    await ws.put('novax/2025-01_diagnoser_15.03.85\u20131038.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;150385 1039\n'
      + 'n2;61741000016007;;P0000002;DH353;A;03-01-2025\n');
    const run = spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'nightly', '--inbox', ws.inbox, '--db', ws.db,
      '--outbox', ws.outbox, '--reports', ws.reports], { cwd: REPO, encoding: 'utf8', env: { ...process.env, FANGST_LOG_LEVEL: 'info', FANGST_LOG_FORMAT: 'json' } });
    const shown = run.stdout + run.stderr;
    expect(shown).toContain('[CPR]');
    for (const n of ['150385-1037', '1503851037', '15.03.85\u20131038', '150385 1039']) expect(shown).not.toContain(n);
  });
});
