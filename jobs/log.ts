import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';

/**
 * JSON lines for machines (the nightly run under a scheduler); a readable, coloured
 * stream when a person watches a terminal. Logs go to stderr: stdout carries the
 * run summary and any document a command prints (--json). `destination` replaces
 * stderr (tests).
 *
 * Every CPR or replacement number in a line is masked before the line is written: log
 * lines carry file names, header names, messages and error texts from the inputs.
 */
export function createLogger(name = 'fangst', destination?: DestinationStream): Logger {
  const level = process.env.FANGST_LOG_LEVEL ?? 'info';
  const options = { name, level, hooks: { streamWrite: maskLogLine } };
  if (destination) return pino(options, destination);
  if (process.stderr.isTTY && process.env.FANGST_LOG_FORMAT !== 'json') {
    // Colour unless NO_COLOR is set to anything (no-color.org).
    const colorize = !process.env.NO_COLOR;
    return pino(options, pretty({ destination: 2, colorize, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', sync: true }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
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
