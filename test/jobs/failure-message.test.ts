// The line a user reads for DuckDB's out-of-memory and disk-full errors: one line, in fangst's
// terms. The inputs are DuckDB's texts as fangst met them (--memory-limit 8MB and 1KB on the
// bundled inbox; a database on a full tmpfs, failing at the commit and at the checkpoint).
import { describe, expect, it } from 'vitest';
import { failureMessage, Unrecorded } from '../../jobs/failure-message.ts';
import { exitCodeOf } from '../../jobs/exit-codes.ts';
import { Stopped } from '../../jobs/stop-signals.ts';

const SHELL_ADVICE = "\n\nPossible solutions:\n* Reducing the number of threads (SET threads=X)\n* Disabling insertion-order preservation (SET preserve_insertion_order=false)\n* Increasing the memory limit (SET memory_limit='...GB')\n\nSee also https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads";
const HINT = "Raise memory_limit in the configuration's pipeline.yaml (nightly: --memory-limit), or let a night take less input at once (run_input_budget, --run-budget)";

describe('failureMessage', () => {
  it('says out of memory in one line with the configuration\'s hint, whichever DuckDB error carries it', () => {
    expect(failureMessage(`Out of Memory Error: failed to allocate data of size 32.0 KiB (0 bytes/1000 bytes used)${SHELL_ADVICE}`))
      .toBe(`out of memory (failed to allocate data of size 32.0 KiB (0 bytes/1000 bytes used)). ${HINT}`);
    // at --memory-limit 8MB the allocation fails inside the commit
    expect(failureMessage(`TransactionContext Error: Failed to commit: could not allocate block of size 256.0 KiB (7.3 MiB/7.6 MiB used)${SHELL_ADVICE}`))
      .toBe(`out of memory (could not allocate block of size 256.0 KiB (7.3 MiB/7.6 MiB used)). ${HINT}`);
    // what fangst says first is kept
    expect(failureMessage(`schema migration 004_core_without_primary_key.sql failed: Out of Memory Error: failed to pin block of size 256.0 KiB (3.8 MiB/3.8 MiB used)${SHELL_ADVICE}`))
      .toBe(`schema migration 004_core_without_primary_key.sql failed: out of memory (failed to pin block of size 256.0 KiB (3.8 MiB/3.8 MiB used)). ${HINT}`);
  });

  it("says disk full in one line, naming the database's folder", () => {
    expect(failureMessage('TransactionContext Error: Failed to commit: Could not write file "/data/fangst/fangst.duckdb.wal": No space left on device'))
      .toBe("disk full: no space left in the database's folder /data/fangst (writing fangst.duckdb.wal); free space there and run again");
    expect(failureMessage('FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\n'
      + 'Original error: "Failed to create checkpoint because of error: Could not write file "/data/fangst/fangst.duckdb": No space left on device"'))
      .toBe("disk full: no space left in the database's folder /data/fangst (writing fangst.duckdb); free space there and run again");
    expect(failureMessage('IO Error: Could not write file "/data/fangst/fangst.duckdb.tmp/duckdb_temp_storage_DEFAULT-0.tmp": No space left on device'))
      .toBe("disk full: no space left in the database's spill folder (temp_directory) /data/fangst/fangst.duckdb.tmp (writing duckdb_temp_storage_DEFAULT-0.tmp); free space there and run again");
  });

  it('leaves a message of its own alone: publishing names the outbox and what happens next', () => {
    const outbox = 'publishing batch b1 to /outbox failed: IO Error: Could not write file "/outbox/.b1/diagnoser.parquet": No space left on device; the batch stays committed and the next run publishes it';
    expect(failureMessage(outbox)).toBe(outbox);
    expect(failureMessage('outbox is not writable: /x: ENOTDIR; nothing was loaded, the next run tries again')).toBe('outbox is not writable: /x: ENOTDIR; nothing was loaded, the next run tries again');
  });

  it("says a full disk that invalidated the database in one line, also where a message of ours quotes it (ot14 M4)", () => {
    // The checkpoint beside the batch's Parquet failed: publishing then met the invalidated database.
    const quoted = 'publishing batch b1 to /outbox failed: FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\n'
      + 'Original error: "Failed to create checkpoint because of error: Could not write file "/data/fangst/fangst.duckdb": No space left on device"; the batch stays committed and the next run publishes it';
    expect(failureMessage(quoted)).toBe("publishing batch b1 to /outbox failed: disk full: no space left in the database's folder /data/fangst (writing fangst.duckdb); free space there and run again; the batch stays committed and the next run publishes it");
    // another first error: still one line
    expect(failureMessage('FATAL Error: Failed: database has been invalidated because of a previous fatal error.\nOriginal error: "INTERNAL Error: something"'))
      .toBe('the database stopped on a fatal error: INTERNAL Error: something');
  });

  it('says where a run the database could not record is recorded instead, keeping the exit code of its failure', () => {
    const unrecorded = new Unrecorded(new Error('IO Error: Could not write file "/db/f.duckdb": No space left on device'), '/reports/r1/run_results.json', true);
    expect(failureMessage(unrecorded)).toBe("disk full: no space left in the database's folder /db (writing f.duckdb); free space there and run again"
      + ' (the database could not record how the run ended: /reports/r1/run_results.json does, and the next run enters it in the run history)');
    expect(exitCodeOf(unrecorded)).toBe(1);
    expect(exitCodeOf(new Unrecorded(new Stopped('SIGTERM', null), null, false))).toBe(143);
  });

  it('takes what was thrown, an Error or not: the run history gets a line either way', () => {
    expect(failureMessage(new Error('Out of Memory Error: failed to pin block of size 256.0 KiB'))).toMatch(/^out of memory \(failed to pin block of size 256\.0 KiB\)\. Raise memory_limit/);
    expect(failureMessage('stopped')).toBe('stopped');
    expect(failureMessage(undefined)).toBe('undefined');
  });
});
