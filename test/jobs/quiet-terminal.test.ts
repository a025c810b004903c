import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseLog } from '../../jobs/log.ts';
import { REPO } from '../helpers/snapshot.ts';
import { workspace } from '../helpers/inbox.ts';

const SAMPLES = join(REPO, 'data-samples', 'inbox');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const COLOUR = /\x1b\[[0-9;]*m/;

/** The environment of a person at a terminal: no log level or format chosen. */
function personEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FANGST_LOG_LEVEL;
  delete env.FANGST_LOG_FORMAT;
  delete env.NO_COLOR;
  return { ...env, ...extra };
}

/** `fangst nightly` on the bundled samples, under a pseudo-terminal (util-linux `script`): what the person sees. */
async function nightlyOnTerminal(flags: string[], env = personEnv()) {
  const ws = await workspace();
  const args = ['nightly', ...flags, '--inbox', SAMPLES, '--db', ws.db, '--outbox', ws.outbox, '--reports', ws.reports];
  const command = [process.execPath, join(REPO, 'jobs', 'fangst.js'), ...args].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: REPO, encoding: 'utf8', env });
  return { status: run.status, screen: run.stdout };
}

describe('nightly on a terminal', () => {
  it.skipIf(!hasScript)('shows a status line and the summary by default, every step with --verbose, no colour with --no-color', async () => {
    const quiet = await nightlyOnTerminal([]);
    expect(quiet.status).toBe(0);
    expect(quiet.screen).toMatch(/fangst nightly r\S+: batch \S+ published/);
    expect(quiet.screen).toContain('17,489 read = 16,754 published + 729 quarantined + 6 rejected');
    expect(quiet.screen).not.toContain('INFO');
    expect(quiet.screen).not.toMatch(/step \w+ done/);
    // The status line is overwritten in place and cleared before the summary.
    expect(quiet.screen).toMatch(/\r\x1b\[Kfangst: publish done[^\n]*\r\x1b\[Kfangst nightly r/);

    const verbose = await nightlyOnTerminal(['--verbose']);
    expect(verbose.status).toBe(0);
    for (const step of ['hash', 'stage', 'checks', 'publish']) expect(verbose.screen).toMatch(new RegExp(`INFO.*step ${step} done`));
    expect(verbose.screen).toMatch(COLOUR);
    expect(verbose.screen).toMatch(/batch \S+ published/);

    const plain = await nightlyOnTerminal(['--verbose', '--no-color']);
    expect(plain.screen).toMatch(/INFO: step stage done/);
    expect(plain.screen).not.toMatch(COLOUR);
  });

  it.skipIf(!hasScript)('shows the steps when FANGST_LOG_LEVEL asks for them, in no colour under NO_COLOR', async () => {
    const run = await nightlyOnTerminal([], personEnv({ FANGST_LOG_LEVEL: 'info', NO_COLOR: '1' }));
    expect(run.screen).toMatch(/INFO: step checks done/);
    expect(run.screen).not.toMatch(COLOUR);
  });

  it('keeps JSON lines at info on stderr when nobody watches (cron, CI, a pipe)', async () => {
    const ws = await workspace();
    const run = spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'nightly', '--inbox', SAMPLES, '--db', ws.db,
      '--outbox', ws.outbox, '--reports', ws.reports], { cwd: REPO, encoding: 'utf8', env: personEnv() });
    expect(run.status).toBe(0);
    const lines = run.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: number; step?: string });
    expect(lines.map((l) => l.step)).toEqual(expect.arrayContaining(['hash', 'stage', 'checks', 'commit', 'publish']));
    expect(run.stderr).not.toMatch(COLOUR);
    expect(run.stdout).toMatch(/^fangst nightly r\S+: batch \S+ published/);
  });
});

describe('a failed nightly', () => {
  it('is one line on stderr, with the stack only for --verbose', async () => {
    const ws = await workspace();
    const run = (flags: string[]) => spawnSync(process.execPath, [join(REPO, 'jobs', 'fangst.js'), 'nightly', ...flags, '--inbox', join(ws.root, 'no-such-inbox'),
      '--db', ws.db, '--outbox', ws.outbox, '--reports', ws.reports], { cwd: REPO, encoding: 'utf8', env: personEnv({ FANGST_LOG_LEVEL: 'silent' }) });
    const quiet = run([]);
    expect(quiet.status).not.toBe(0);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toMatch(/^fangst nightly: .*no-such-inbox/);
    const verbose = run(['--verbose']);
    expect(verbose.status).toBe(quiet.status);
    expect(verbose.stderr).toMatch(/^fangst nightly: .*no-such-inbox/);
    expect(verbose.stderr).toMatch(/\n\s+at .+\.(ts|js):\d+/);
  });
});

describe('chooseLog', () => {
  it('decides format, level, colour and the status line from the terminal, the environment and the flags', () => {
    expect(chooseLog(false, {}, { quiet: true })).toEqual({ format: 'json', level: 'info', colorize: false, stepsAsStatus: false });
    expect(chooseLog(true, {}, { quiet: true })).toEqual({ format: 'pretty', level: 'info', colorize: true, stepsAsStatus: true });
    expect(chooseLog(true, {}, { quiet: true, verbose: true }).stepsAsStatus).toBe(false);
    expect(chooseLog(true, { FANGST_LOG_LEVEL: 'debug' }, { quiet: true })).toMatchObject({ level: 'debug', stepsAsStatus: false });
    expect(chooseLog(true, { FANGST_LOG_LEVEL: 'debug' }, { verbose: true }).level).toBe('debug');
    expect(chooseLog(true, { FANGST_LOG_LEVEL: 'silent' }, { verbose: true }).level).toBe('info');
    expect(chooseLog(true, { FANGST_LOG_FORMAT: 'json' }, { quiet: true })).toMatchObject({ format: 'json', stepsAsStatus: false });
    expect(chooseLog(true, { NO_COLOR: '1' }, {}).colorize).toBe(false);
    expect(chooseLog(true, { NO_COLOR: '' }, {}).colorize).toBe(true);
    expect(chooseLog(true, {}, { color: false }).colorize).toBe(false);
    // Commands that print no summary of their own keep their log lines on a terminal.
    expect(chooseLog(true, {}, {}).stepsAsStatus).toBe(false);
  });
});
