import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * JSON lines for machines (the nightly run under a scheduler); a readable, coloured
 * stream when a person watches a terminal. Logs go to stderr: stdout carries the
 * run summary and any document a command prints (--json).
 */
export function createLogger(name = 'fangst'): Logger {
  const level = process.env.FANGST_LOG_LEVEL ?? 'info';
  if (process.stderr.isTTY && process.env.FANGST_LOG_FORMAT !== 'json') {
    return pino({ name, level }, pretty({ destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', sync: true }));
  }
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
