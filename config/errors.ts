// The errors a person can fix without reading code: one class per kind of failure, with readonly
// fields, and a message that names the thing and embeds the offending value. jobs/exit-codes.ts
// maps each kind to its exit code (README, "Exit codes"); anything else is a failed run.
// They live in config/, the lowest room, because every room throws them.
import { isAbsolute, relative } from 'node:path';

/** One problem in a configuration file: the file, the key, what was found, what was expected. */
export interface ConfigProblem {
  readonly file: string;
  readonly key: string;
  readonly found: unknown;
  readonly expected: string;
}

/** The `found` of a key that no reader knows: messages say `found an unknown key`. */
export const UNKNOWN_KEY: unique symbol = Symbol('an unknown key');

/** A found value as messages show it: JSON, cut short; `nothing` when the key is missing. */
export function showFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === UNKNOWN_KEY) return 'an unknown key';
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** A file as messages name it: relative to the working folder when inside it. */
export function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file: key: found X, expected Y`, the same order for every configuration file. */
export function problemText(p: ConfigProblem): string {
  return `${p.file}: ${p.key}: found ${showFound(p.found)}, expected ${p.expected}`;
}

/**
 * A configuration file is wrong: pipeline.yaml, a source layout, a check, a lab mapping, a
 * reference catalogue, the generator's calibration. Thrown before any data is touched.
 * A loader that reads on after the first problem passes the others as `more`: the message
 * then has one line per problem.
 */
export class ConfigError extends Error implements ConfigProblem {
  /** Every problem found, this one first. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    readonly file: string,
    readonly key: string,
    readonly found: unknown,
    readonly expected: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ file, key, found, expected }, ...more];
    super(problems.map(problemText).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** One error for a non-empty list of problems. */
  static of(problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...more] = problems;
    if (!first) throw new TypeError('ConfigError.of needs at least one problem');
    return new ConfigError(first.file, first.key, first.found, first.expected, more);
  }
}

/**
 * The command line is wrong: a flag's value, a missing or contradictory argument. Same order
 * as a ConfigError: `--from: found "2025-13", expected a month as YYYY-MM`.
 */
export class UsageError extends Error {
  constructor(
    /** The flag or argument, as typed: `--from`, `EXTRACT`. */
    readonly option: string,
    readonly found: unknown,
    readonly expected: string,
  ) {
    super(`${option}: found ${showFound(found)}, expected ${expected}`);
    this.name = 'UsageError';
  }
}

/**
 * Something the command was pointed at does not exist: a database, a truth file, a check id,
 * a run id. `hint` says what to do next.
 */
export class NotFound extends Error {
  constructor(
    /** What was looked for: `database`, `check`, `quality run`. */
    readonly what: string,
    /** The path or name it was looked for under. */
    readonly subject: string,
    readonly hint?: string,
  ) {
    super(`no such ${what}: ${subject}${hint ? ` (${hint})` : ''}`);
    this.name = 'NotFound';
  }
}

/**
 * The command was understood and its target exists, but doing it would break a promise: a
 * release of rows already released, of a kind the run did not hold back. `why` says which.
 */
export class Refused extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'Refused';
  }
}
