import { basename, dirname } from 'node:path';
import { ConfigError } from '../config/errors.ts';

/**
 * The line a user reads for a failure. DuckDB's own texts run over several lines and end in
 * advice for its SQL shell (SET threads=X, ...), which a user of fangst cannot follow: running out
 * of memory and a full disk are said in one line, with what to do in fangst's terms.
 */
export function failureMessage(err: unknown): string {
  if (err instanceof Unrecorded) return `${failureMessage(err.cause)} (${err.where})`;
  // a configuration read on past its first problem says each on a line of its own (`fangst validate`)
  if (err instanceof ConfigError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  // Whatever else DuckDB says over several lines is joined: the contract is one line.
  return (invalidated(message) ?? diskFull(message) ?? outOfMemory(message) ?? message).replace(/\s*\n\s*/g, ' ');
}

// DuckDB's FATAL error after one that invalidated the database (a checkpoint on a full disk),
// quoting the first; a message of ours may quote it in turn (publishing a batch after it).
const INVALIDATED = /FATAL Error: Failed: database has been invalidated[^\n]*\nOriginal error: "(.*)"/;

/** The invalidating error said as the database's, in place, whatever message quotes it. */
function invalidated(message: string): string | null {
  const m = INVALIDATED.exec(message);
  if (!m) return null;
  const first = m[1]!;
  const said = noSpace(first) ?? outOfMemory(first) ?? `the database stopped on a fatal error: ${first}`;
  return message.slice(0, m.index) + said + message.slice(m.index + m[0].length);
}

/**
 * A run that failed where the database could not record how it ended (it could not be opened,
 * or a full disk invalidated it): the failure (`cause`, which also gives the exit code) and where
 * the run is recorded instead, said on the same line.
 */
export class Unrecorded extends Error {
  readonly where: string;
  constructor(override readonly cause: unknown, runResults: string | null, nextRunRecordsIt: boolean) {
    const where = runResults === null
      ? 'neither the database nor run_results.json could record the run'
      : `the database could not record how the run ended: ${runResults} does${nextRunRecordsIt ? ', and the next run enters it in the run history' : ''}`;
    super(where);
    this.name = 'Unrecorded';
    this.where = where;
  }
}

// Every way DuckDB says it ran out of memory: its own error class, or the allocation failure
// inside another (a commit: "TransactionContext Error: Failed to commit: could not allocate block").
const OUT_OF_MEMORY = /(?:Out of Memory Error: |\b[A-Z][A-Za-z]* Error: (?:Failed to commit: )?)?((?:could not allocate block|failed to allocate data|failed to pin block|failed to offload data block)[^\n]*)|Out of Memory Error: ([^\n]*)/;

function outOfMemory(message: string): string | null {
  const m = OUT_OF_MEMORY.exec(message);
  if (!m) return null;
  return `${message.slice(0, m.index)}out of memory (${(m[1] ?? m[2])!.trim()}). ` +
    "Raise memory_limit in the configuration's pipeline.yaml (nightly: --memory-limit), or let a night take less input at once (run_input_budget, --run-budget)";
}

// DuckDB's "Could not write file "<path>": No space left on device", also quoted inside a FATAL
// "database has been invalidated ... Original error: ..." after a checkpoint that failed.
const NO_SPACE = /Could not (?:write|write to|fsync|truncate) file "([^"]+)"[^\n"]*: No space left on device/;

/**
 * Only DuckDB's own error ("IO Error: ...", "FATAL Error: ..."): a message of ours that quotes one
 * (publishing to the outbox) already names its folder and says what happens next.
 */
function diskFull(message: string): string | null {
  if (!/^[A-Z][A-Za-z]* Error: /.test(message)) return null;
  return noSpace(message);
}

function noSpace(message: string): string | null {
  const m = NO_SPACE.exec(message);
  if (!m) return null;
  const folder = dirname(m[1]!);
  const which = folder.endsWith('.tmp') ? "the database's spill folder (temp_directory)" : "the database's folder";
  return `disk full: no space left in ${which} ${folder} (writing ${basename(m[1]!)}); free space there and run again`;
}
