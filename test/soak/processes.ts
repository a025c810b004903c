// The soak's child processes: `node jobs/fangst.js ...`, exactly as cron or systemd starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/snapshot.ts';

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A started command: the process (to kill it) and its end. */
export interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<Exited>;
}

/** Starts `fangst <args>`; `exited` resolves once the process is gone and its output read. */
export function startFangst(args: readonly string[], env: Readonly<Record<string, string>> = {}): Started {
  const started = Date.now();
  const child = spawn(process.execPath, [join(REPO, 'jobs', 'fangst.js'), ...args], {
    cwd: REPO,
    // warn and JSON: what a scheduler's log collects; a reader's refusal must still be one line.
    env: { ...process.env, FANGST_LOG_LEVEL: 'warn', FANGST_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exited>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, exited };
}

/** Runs `fangst <args>` to its end. */
export function fangst(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Exited> {
  return startFangst(args, env).exited;
}

/** A Node stack trace in a command's output: what an operator must never see. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/** The first line of a command's error output, for a summary. */
export function firstLine(text: string): string {
  return text.trimStart().split('\n')[0]?.slice(0, 300) ?? '';
}

/** Resolves after `ms`: the moment a fault strikes, not a wait for something to happen. */
export function after(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
