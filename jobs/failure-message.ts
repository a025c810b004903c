import { basename, dirname } from 'node:path';

/**
 * The line a user reads for a failure. DuckDB's own texts run over several lines and end in
 * advice for its SQL shell (SET threads=X, ...), which a user of fangst cannot follow: running out
 * of memory and a full disk are said in one line, with what to do in fangst's terms.
 */
export function failureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return diskFull(message) ?? outOfMemory(message) ?? message;
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
  const m = NO_SPACE.exec(message);
  if (!m) return null;
  const folder = dirname(m[1]!);
  const which = folder.endsWith('.tmp') ? "the database's spill folder (temp_directory)" : "the database's folder";
  return `disk full: no space left in ${which} ${folder} (writing ${basename(m[1]!)}); free space there and run again`;
}
