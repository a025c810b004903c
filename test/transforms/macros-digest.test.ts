// The shared macros are created once per database and macro text: a night on a database that
// holds them skips re-creating them, a changed macro file is loaded again, and a check whose
// macro has gone missing gets it back.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../transforms/db/connection.ts';
import { loadMacros } from '../../transforms/macros.ts';

const macro = async (conn: Parameters<typeof loadMacros>[0], name: string) =>
  (await queryRows<{ n: bigint }>(conn, `select count(*) as n from duckdb_functions() where function_name = '${name}'`))[0]!.n > 0n;

describe('loading the shared macros', () => {
  it('records what it loaded, skips an unchanged set, and loads again when forced or changed', async () => {
    const db = await openDatabase(join(await mkdtemp(join(tmpdir(), 'fangst-macros-')), 'f.duckdb'));
    try {
      const conn = await db.connect();
      await loadMacros(conn);
      const [stored] = await queryRows<{ digest: string }>(conn, 'select digest from meta.macro_digest');
      expect(stored!.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(await macro(conn, 'wilson_low')).toBe(true);

      // the same files again: nothing is re-created (a macro dropped by hand stays dropped) ...
      await conn.run('drop macro wilson_low');
      await loadMacros(conn);
      expect(await macro(conn, 'wilson_low')).toBe(false);
      // ... unless forced (what the checks do when a macro they call is missing)
      await loadMacros(conn, { force: true });
      expect(await macro(conn, 'wilson_low')).toBe(true);

      // another macro text (an upgrade): loaded again
      await conn.run(`update meta.macro_digest set digest = 'older'`);
      await conn.run('drop macro wilson_low');
      await loadMacros(conn);
      expect(await macro(conn, 'wilson_low')).toBe(true);
      expect((await queryRows<{ digest: string }>(conn, 'select digest from meta.macro_digest'))).toEqual([stored]);
    } finally {
      db.close();
    }
  });

  it('loads every time on a connection without the digest table', async () => {
    const db = await openDatabase(':memory:');
    try {
      const conn = await db.connect();
      await conn.run('drop table meta.macro_digest');
      await loadMacros(conn);
      await conn.run('drop macro wilson_low');
      await loadMacros(conn);
      expect(await macro(conn, 'wilson_low')).toBe(true);
    } finally {
      db.close();
    }
  });
});
