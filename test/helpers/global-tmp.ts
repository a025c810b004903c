// vitest globalSetup: every test's scratch files (workspaces, databases, what the jobs write)
// under one folder for the run, removed when the run ends. The suite makes thousands of them; left
// in the system's temporary folder they fill the disk of a machine that runs it often.
// FANGST_KEEP_TEST_FILES=1 keeps the folder (its path is printed) for a look afterwards.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const base = await mkdtemp(join(tmpdir(), 'fangst-tests-'));
  // A test runs a job as an unprivileged user (robust-bad-input), who must reach its workspace.
  await chmod(base, 0o755);
  // os.tmpdir() of the test workers and of every process they start reads TMPDIR.
  process.env.TMPDIR = base;
  return async () => {
    if (process.env.FANGST_KEEP_TEST_FILES) process.stderr.write(`test files kept in ${base}\n`);
    else await rm(base, { recursive: true, force: true });
  };
}
