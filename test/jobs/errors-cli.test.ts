// One test per kind of failure, through the real command as a scheduler runs it: the exit code
// of README "Exit codes", and one line on stderr that names the command and the offending value.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../jobs/exit-codes.ts';
import { acquireRunLock } from '../../jobs/run-lock.ts';
import { withDatabase } from '../../transforms/db/connection.ts';
import { REGISTER, workspace, type Workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs } from '../helpers/snapshot.ts';

// Logs off: what is left on stderr is the command's own message.
const quiet = { FANGST_LOG_LEVEL: 'silent' };

describe('exit codes and messages, one per kind of failure', () => {
  it('--help and --version exit 0 on stdout', async () => {
    const version = await fangst(['--version'], quiet);
    expect([version.code, version.stdout, version.stderr]).toEqual([EXIT.ok, `${JSON.parse(await readFile('package.json', 'utf8')).version}\n`, '']);
    const help = await fangst(['monitor', '--help'], quiet);
    expect([help.code, help.stderr]).toEqual([EXIT.ok, '']);
    expect(help.stdout).toMatch(/^Usage: fangst monitor \[options\]/);
  });

  it("a misspelt option, an unknown command or a bare fangst is a usage error (64), in commander's words", async () => {
    const flag = await fangst(['nightly', '--dbb', 'x.duckdb'], quiet);
    expect(flag.code).toBe(EXIT.usage);
    expect(flag.stderr).toBe("error: unknown option '--dbb'\n(Did you mean --db?)\n(fangst --help lists the commands, fangst <command> --help their options)\n");
    const command = await fangst(['nigthly'], quiet);
    expect(command.code).toBe(EXIT.usage);
    expect(command.stderr.split('\n')[0]).toBe("error: unknown command 'nigthly'");
    const bare = await fangst([], quiet);
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.stderr).toMatch(/^Usage: fangst \[options\] \[command\]/);
  });

  it("a flag's bad value is a usage error (64) that names the flag, the value and what was expected", async () => {
    const r = await fangst(['monitor', '--from', '2024-13', '--db', '/nonexistent/fangst.duckdb'], quiet);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe('fangst monitor: --from: found "2024-13", expected a month as yyyy-mm\n');
  });

  it('a file where a folder must be, or a file that is no database, is one line naming it, not Node\'s or DuckDB\'s words (ot13, ot14)', async () => {
    const ws = await workspace();
    const file = join(ws.root, 'afile');
    await writeFile(file, 'x\n');
    const nightly = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--reports', ws.reports, '--db', join(file, 'f.duckdb')], quiet);
    expect([nightly.code, nightly.stderr]).toEqual([EXIT.usage,
      `fangst nightly: the database's folder: found "${file}", expected a folder that exists or can be created (${file} is a file, not a folder)\n`]);
    const campaign = await fangst(['campaign', '--db', file], quiet);
    expect([campaign.code, campaign.stderr]).toEqual([EXIT.config,
      `fangst campaign: no such DuckDB database: ${file} (the file exists but is no DuckDB database: pass the file fangst nightly writes)\n`]);
    const monitor = await fangst(['monitor', '--db', file, '--out', join(file, 'out')], quiet);
    expect(monitor.stderr).not.toMatch(/EEXIST|ENOTDIR|IO Error/);
  });

  it('a configuration typo is a configuration error (2): file, key, found, expected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-errors-'));
    await cp('config', dir, { recursive: true });
    const novax = join(dir, 'sources', 'novax.yaml');
    await writeFile(novax, (await readFile(novax, 'utf8')).replace('encoding: latin-1', 'encoding: ebcdic'));
    const ws = await workspace();
    const r = await fangst([...nightlyArgs(ws), '--config', join(dir, 'pipeline.yaml')], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toBe(`fangst nightly: ${novax}: defaults.encoding: found "ebcdic", expected one of utf-8, latin-1\n`);
  });

  it("pipeline.yaml's database under a file is the configuration's mistake (2), naming the file and the key, for a reader too", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-errors-'));
    await cp('config', dir, { recursive: true });
    const file = join(dir, 'afile');
    await writeFile(file, 'x\n');
    const pipeline = join(dir, 'pipeline.yaml');
    await writeFile(pipeline, (await readFile(pipeline, 'utf8')).replace(/^database:.*$/m, `database: ${join(file, 'f.duckdb')}`));
    const ws = await workspace();
    const r = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--reports', ws.reports, '--config', pipeline], quiet);
    expect([r.code, r.stderr]).toEqual([EXIT.config,
      `fangst nightly: ${pipeline}: database: found "${join(file, 'f.duckdb')}", expected a database file in a folder that exists or can be created (${file} is a file, not a folder)\n`]);
    const runs = await fangst(['runs', '--config', pipeline], quiet);
    expect(runs.code).toBe(EXIT.config);
  });

  it('a database that does not exist is not found (2), with what to do next', async () => {
    const r = await fangst(['checks', 'report', '--db', '/nonexistent/fangst.duckdb'], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toBe('fangst checks report: no such database: /nonexistent/fangst.duckdb (run fangst nightly first, or pass --db)\n');
    // also where the command could do without one: a database named with --db must be there
    const list = await fangst(['checks', '--db', '/nonexistent/fangst.duckdb'], quiet);
    expect([list.code, list.stderr]).toEqual([EXIT.config, 'fangst checks: no such database: /nonexistent/fangst.duckdb (run fangst nightly first, or leave out --db)\n']);
  });

  it('a folder given for a database, a "?" in its path, or a CSV for the truth: said so, not DuckDB\'s error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-paths-'));
    for (const args of [['runs', '--db', dir], ['checks', '--db', dir]]) {
      const r = await fangst(args, quiet);
      expect([r.code, r.stderr], args.join(' ')).toEqual([EXIT.config, `fangst ${args[0]}: no such database file: ${dir} (that is a folder: pass the DuckDB file, e.g. --db <folder>/fangst.duckdb)\n`]);
    }
    const ws = await workspace();
    const night = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--reports', ws.reports, '--db', dir], quiet);
    expect([night.code, night.stderr]).toEqual([EXIT.config, `fangst nightly: no such database file: ${dir} (that is a folder: pass the DuckDB file, e.g. --db <folder>/fangst.duckdb)\n`]);
    // DuckDB cuts its log's name at a '?': every run would fail with "cannot rollback - no transaction is active"
    const odd = join(dir, 'a?b', 'fangst.duckdb');
    const q = await fangst(['nightly', '--inbox', ws.inbox, '--outbox', ws.outbox, '--reports', ws.reports, '--db', odd], quiet);
    expect([q.code, q.stderr]).toEqual([EXIT.usage, `fangst nightly: database path: found "${odd}", expected a path without "?" (DuckDB cuts the name of its write-ahead log at a "?")\n`]);
    const csv = join(dir, 'truth.csv');
    await writeFile(csv, 'kind,record_key\nx,y\n');
    const score = await fangst(['score', '--db', '/nonexistent/fangst.duckdb', '--truth', csv], quiet);
    expect([score.code, score.stderr]).toEqual([EXIT.config, `fangst score: no such Parquet truth file: ${csv} (that is no Parquet file: fangst generate writes truth.parquet beside its output)\n`]);
  });

  it('another run holding the lock is exit 75', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const lock = await acquireRunLock(ws.db, 'nightly');
    try {
      const r = await fangst(nightlyArgs(ws), quiet);
      expect(r.code).toBe(EXIT.locked);
      expect(r.stderr).toMatch(/^fangst nightly: another run holds the lock: nightly pid \d+ on .*; lock file .*\n$/);
    } finally {
      await lock.release();
    }
  });

  it('a failed run is exit 1 with its message and no stack; the stack only at log level debug', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    // an outbox that is a file: the run fails before anything is committed
    await writeFile(ws.outbox, 'not a folder');
    const r = await fangst(nightlyArgs(ws), quiet);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/^fangst nightly: outbox is not writable: .*; nothing was loaded, the next run tries again\n$/);
    const debug = await fangst(nightlyArgs(ws), { FANGST_LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(EXIT.failed);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('a reports path that is a file fails the run before anything is loaded, naming the reports folder', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await writeFile(ws.reports, 'not a folder');
    const r = await fangst(nightlyArgs(ws), quiet);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/^fangst nightly: reports folder is not writable: .*; nothing was loaded, the next run tries again\n$/);
    // and `fangst runs` lists the failed night (it had no line: ot14 M2)
    const runs = JSON.parse((await fangst(['runs', '--json', '--db', ws.db], quiet)).stdout) as Array<{ status: string; exit_code: number; message: string }>;
    expect(runs).toEqual([expect.objectContaining({ status: 'failed', exit_code: EXIT.failed, message: expect.stringContaining('reports folder is not writable') })]);
  });

  it("running out of memory is exit 1 with the configuration's advice, not DuckDB's SQL-shell advice", async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const header = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
    await ws.put('novax/2025-05_diagnoser_1.csv', header + '\n' + 'n1;61741000016007;;P1;DH353;A;25-05-2025\n'.repeat(200_000));
    // well under what the night needs, so that it runs out whatever else its statements hold
    // (at 40 MB about every other night fitted), and still enough to open the database
    const r = await fangst([...nightlyArgs(ws), '--memory-limit', '24MB'], quiet);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/^fangst nightly: .*out of memory \(.*\)\. Raise memory_limit .*--memory-limit.*--run-budget\)\n$/);
    expect(r.stderr).not.toMatch(/SET threads/);
  });

  it('running out of memory inside the commit (--memory-limit 8MB on the bundled inbox) is the same one line', async () => {
    const ws = await workspace();
    const r = await fangst(['nightly', '--inbox', 'data-samples/inbox', '--outbox', ws.outbox, '--db', ws.db, '--reports', ws.reports, '--memory-limit', '8MB'], quiet);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/^fangst nightly: .*out of memory \(.*\)\. Raise memory_limit .*--memory-limit.*--run-budget\)\n$/);
    // the run history and run_results.json say the same line
    const line = r.stderr.slice('fangst nightly: '.length, -1);
    const runs = JSON.parse((await fangst(['runs', '--json', '--db', ws.db], quiet)).stdout) as Array<{ run_id: string; message: string }>;
    expect(runs.map((run) => run.message)).toEqual([line]);
    const results = JSON.parse(await readFile(join(ws.reports, runs[0]!.run_id, 'run_results.json'), 'utf8')) as { error: { message: string } };
    expect(results.error.message).toBe(line);
  });

  it('a memory limit too small to open the database is one line, and run_results.json records the failed run (ot14 M4)', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const r = await fangst([...nightlyArgs(ws), '--memory-limit', '1KB'], quiet);
    expect(r.code).toBe(EXIT.failed);
    const [line, ...more] = r.stderr.split('\n');
    expect(more).toEqual(['']);
    expect(line).toMatch(/^fangst nightly: .*out of memory \(.*\)\. Raise memory_limit .* \(the database could not record how the run ended: .*run_results\.json does\)$/);
    const results = JSON.parse(await readFile(join(ws.reports, 'latest', 'run_results.json'), 'utf8')) as { status: string; exit_code: number; error: { message: string } };
    expect([results.status, results.exit_code]).toEqual(['failed', EXIT.failed]);
    expect(line).toContain(results.error.message);
    // the file the run created holds nothing: fangst runs says so, and where the failed run is, not "schema version 1, ... not applied yet"
    const runs = await fangst(['runs', '--db', ws.db], quiet);
    expect([runs.code, runs.stderr]).toEqual([EXIT.config,
      `fangst runs: no such fangst database: ${ws.db} (the file holds no tables yet: no fangst nightly has set it up; one that failed says why in its run_results.json)\n`]);
  });

  it.each([
    ['nightly', (ws: Workspace) => nightlyArgs(ws), EXIT.ok],
    // a release refused after it took the lock settles the runs before it all the same
    ['release', (ws: Workspace) => ['release', '--run', 'r20250101T000000Z-abcdef', '--kind', 'diagnoser', '--reason', 'x', '--db', ws.db, '--outbox', ws.outbox,
      '--config', join(ws.root, 'config', 'pipeline.yaml')], EXIT.config],
  ] as const)("a run left running by a database that failed under it is entered as its run_results.json says, not as crashed, by the next %s (ot14 M2)", async (_job, next, code) => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    expect((await fangst(nightlyArgs(ws), quiet)).code).toBe(EXIT.ok);
    const [first] = JSON.parse((await fangst(['runs', '--json', '--db', ws.db], quiet)).stdout) as Array<{ run_id: string }>;
    // what a run whose database a full disk invalidated leaves: 'running' in meta.runs, 'failed' in its run_results.json
    const lost = 'r20260101T000000Z-abcdef';
    await withDatabase(ws.db, (_db, conn) => conn.run(`insert into meta.runs (run_id, job, started_at, status) values ('${lost}', 'nightly', '2026-01-01T00:00:00Z', 'running')`).then(() => undefined));
    const results = JSON.parse(await readFile(join(ws.reports, first!.run_id, 'run_results.json'), 'utf8')) as Record<string, unknown>;
    // release has no --reports: its configuration names the reports folder
    await cp('config', join(ws.root, 'config'), { recursive: true });
    const pipeline = join(ws.root, 'config', 'pipeline.yaml');
    await writeFile(pipeline, (await readFile(pipeline, 'utf8')).replace(/^reports: .*$/m, `reports: ${ws.reports}`));
    await mkdir(join(ws.reports, lost));
    await writeFile(join(ws.reports, lost, 'run_results.json'), JSON.stringify({
      ...results, run_id: lost, status: 'failed', exit_code: 1, finished_at: '2026-01-01T00:00:05.000Z', error: { message: 'disk full: no space left' },
    }));
    expect((await fangst(next(ws), quiet)).code).toBe(code);
    const runs = JSON.parse((await fangst(['runs', '--json', '--db', ws.db], quiet)).stdout) as Array<{ run_id: string; status: string; exit_code: number | null; elapsed_ms: number | null; message: string | null }>;
    expect(runs.find((run) => run.run_id === lost)).toMatchObject({ status: 'failed', exit_code: 1, elapsed_ms: 5000, message: 'disk full: no space left' });
  });

  // A real full disk needs mount rights (root in a container); test/jobs/failure-message.test.ts has the wording.
  const canMount = process.platform === 'linux' && process.getuid?.() === 0;
  it.runIf(canMount)('a full disk after the commit is one line, run_results.json has the committed batch, and the run history shows it failed (ot14 M2, M4)', async () => {
    const ws = await workspace();
    const small = join(ws.root, 'small');
    await mkdir(small);
    try {
      // Room for the bundled inbox's write-ahead log, not for the checkpoint beside the batch's Parquet.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', small], { stdio: 'ignore' });
    } catch (err) {
      console.warn(`skipped: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    try {
      const args = ['nightly', '--inbox', 'data-samples/inbox', '--outbox', ws.outbox, '--db', join(small, 'fangst.duckdb'), '--reports', ws.reports];
      const r = await fangst(args, quiet);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stderr).toMatch(/^fangst nightly: [^\n]*disk full: no space left in the database's folder [^\n]*\n$/);
      const results = JSON.parse(await readFile(join(ws.reports, 'latest', 'run_results.json'), 'utf8')) as { run_id: string; status: string; exit_code: number };
      expect([results.status, results.exit_code]).toEqual(['failed', EXIT.failed]);
      execFileSync('mount', ['-o', 'remount,size=64m', small]);
      expect((await fangst(args, quiet)).code).toBe(EXIT.ok);
      const runs = JSON.parse((await fangst(['runs', '--json', '--db', join(small, 'fangst.duckdb')], quiet)).stdout) as Array<{ run_id: string; status: string; exit_code: number | null }>;
      expect(runs.find((run) => run.run_id === results.run_id)).toMatchObject({ status: 'failed', exit_code: EXIT.failed });
    } finally {
      execFileSync('umount', [small]);
    }
  });
  it.runIf(canMount)("a database on a full disk is exit 1 and one line: disk full, in the database's folder", async () => {
    const ws = await workspace();
    const small = join(ws.root, 'small');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', small], { stdio: 'ignore' });
    } catch (err) {
      console.warn(`skipped: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    try {
      const r = await fangst(['nightly', '--inbox', 'data-samples/inbox', '--outbox', ws.outbox, '--db', join(small, 'fangst.duckdb'), '--reports', ws.reports], quiet);
      expect(r.code).toBe(EXIT.failed);
      expect(r.stderr).toMatch(new RegExp(`^fangst nightly: disk full: no space left in the database's folder ${small} \\(writing fangst\\.duckdb[.a-z]*\\); free space there and run again\n$`));
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
