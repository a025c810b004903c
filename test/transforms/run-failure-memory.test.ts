// A failed run is recorded in meta.runs whatever memory limit stopped it, and recording it leaves
// the limit of what the job does next as configured: a night records an earlier run's failure
// (from its run_results.json) before its own work, under its own limit.
import { afterEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { recordRunFailure, recordRunStart } from '../../transforms/db/runs.ts';

let db: Database | undefined;
afterEach(() => db?.close());

const RUN = 'r20261208T000000Z-a1b2c3';
const limit = async (conn: DuckDBConnection) => (await queryRows<{ limit: string }>(conn, `select current_setting('memory_limit') as limit`))[0]!.limit;
const runs = (conn: DuckDBConnection) => queryRows<{ status: string; exit_code: number; message: string }>(conn, `select status, exit_code, message from meta.runs`);

describe('recordRunFailure', () => {
  it('records the run as failed and leaves the memory limit as configured', async () => {
    db = await openDatabase(':memory:', { memoryLimit: '100MB', threads: 1 });
    const conn = await db.connect();
    const before = await limit(conn);
    await recordRunStart(conn, RUN, 'nightly', new Date('2026-12-08T00:00:00Z'));
    await recordRunFailure(conn, RUN, 1, 'a file could not be read', new Date('2026-12-08T00:01:00Z'));
    expect(await runs(conn)).toEqual([{ status: 'failed', exit_code: 1, message: 'a file could not be read' }]);
    expect(await limit(conn)).toBe(before);
  });

  it('records it when the memory the run used leaves none for the record', async () => {
    db = await openDatabase(':memory:', { memoryLimit: '24MB', threads: 1 });
    const conn = await db.connect();
    await recordRunStart(conn, RUN, 'nightly', new Date('2026-12-08T00:00:00Z'));
    // The run's tables fill the limit, and nothing may spill: a statement that needs a block fails.
    await conn.run(`set temp_directory = ''`);
    const fill = (i: number) => conn.run(`create table t${i} as select range::varchar || repeat('x', 100) as s from range(10000)`);
    let filled = 0;
    await expect((async () => { for (;; filled++) await fill(filled); })()).rejects.toThrow(/Out of Memory/);
    await expect(conn.run(`update meta.runs set message = 'x'`)).rejects.toThrow(/Out of Memory/);
    await recordRunFailure(conn, RUN, 1, 'out of memory', new Date('2026-12-08T00:01:00Z'));
    expect(await runs(conn)).toEqual([{ status: 'failed', exit_code: 1, message: 'out of memory' }]);
  });
});
