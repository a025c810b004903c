import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';
import { statusLine } from './progress.ts';

/** What a command asks of its log besides the environment: its `--verbose` and `--no-color` flags. */
export interface LogRequest {
  readonly verbose?: boolean;
  /** False for `--no-color`. */
  readonly color?: boolean;
  /**
   * On a terminal, show the run's steps as one status line and only warnings and errors as log
   * lines (the command prints its own summary after). For the commands whose output is a summary.
   */
  readonly quiet?: boolean;
}

/** How the log is written: the decision `createLogger` makes, apart so that it can be read and tested. */
export interface LogChoice {
  readonly format: 'json' | 'pretty';
  readonly level: string;
  readonly colorize: boolean;
  /** Info lines become the terminal's status line instead of log lines; warnings and errors still print. */
  readonly stepsAsStatus: boolean;
}

const LOUD = ['debug', 'trace'];

/**
 * Machines (cron, CI, a pipe) get JSON lines at info, as always: a scheduler's log is where a slow or
 * failed night is read afterwards. A person at a terminal gets readable lines, and for a quiet command
 * a status line and the summary, unless `--verbose` or an explicit FANGST_LOG_LEVEL asks for the steps.
 * `--verbose` never lowers an explicit debug or trace. Colour is off for `--no-color` or a non-empty
 * NO_COLOR (no-color.org).
 */
export function chooseLog(terminal: boolean, env: NodeJS.ProcessEnv, request: LogRequest = {}): LogChoice {
  const asked = env.FANGST_LOG_LEVEL || undefined;
  const level = request.verbose ? (asked && LOUD.includes(asked) ? asked : 'info') : asked ?? 'info';
  const format = terminal && env.FANGST_LOG_FORMAT !== 'json' ? 'pretty' : 'json';
  const colorize = format === 'pretty' && request.color !== false && !env.NO_COLOR;
  const stepsAsStatus = format === 'pretty' && request.quiet === true && !request.verbose && asked === undefined;
  return { format, level, colorize, stepsAsStatus };
}

/**
 * JSON lines for machines, a readable stream when a person watches a terminal (chooseLog). Logs go
 * to stderr: stdout carries the run summary and any document a command prints (--json).
 * `destination` replaces stderr (tests).
 *
 * Every CPR or replacement number in a line is masked before the line is written: log
 * lines carry file names, header names, messages and error texts from the inputs.
 */
export function createLogger(name = 'fangst', destination?: DestinationStream, request: LogRequest = {}): Logger {
  const choice = chooseLog(process.stderr.isTTY === true, process.env, request);
  const options = { name, level: choice.level, hooks: { streamWrite: maskLogLine } };
  if (destination) return pino(options, destination);
  if (choice.format === 'json') return pino(options, pino.destination({ dest: 2, sync: true }));
  const readable = pretty({ destination: 2, colorize: choice.colorize, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', sync: true });
  return pino(options, choice.stepsAsStatus ? stepsToStatus(readable) : readable);
}

/** Warnings and errors as log lines; each step's end as the status line ("fangst: checks done, 4.2 s"). */
function stepsToStatus(readable: DestinationStream): DestinationStream {
  const started = performance.now();
  return {
    write(line: string) {
      let entry: { level?: number; step?: unknown; name?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        entry = {};
      }
      if ((entry.level ?? 50) >= 40) {
        statusLine.clear();
        readable.write(line);
      } else if (typeof entry.step === 'string') {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        statusLine.show(`${String(entry.name ?? 'fangst')}: ${entry.step} done, ${seconds} s`);
      }
    },
  };
}

/**
 * One serialised log line with every number masked in its keys and string values. The line is
 * parsed rather than searched as text: JSON writes a tab or line break inside a number as an
 * escape (\t, \n), which the detector would not read as a separator.
 */
export function maskLogLine(line: string): string {
  const body = line.trimEnd();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return maskIdentifiers(line);
  }
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = maskIdentifiers(v);
      if (m !== v) changed = true;
      return m;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x)]));
    return v;
  };
  const masked = walk(parsed);
  return changed ? JSON.stringify(masked) + line.slice(body.length) : line;
}
