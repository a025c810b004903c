import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../jobs/cli.ts';
import { openDatabase } from '../../transforms/db/connection.ts';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await main(['node', 'fangst', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => vi.restoreAllMocks());

describe('fangst checks', () => {
  // a database no run has written to: the checks, and no outcome yet (one named with --db must exist)
  let empty: string;
  beforeAll(async () => {
    empty = join(await mkdtemp(join(tmpdir(), 'fangst-checks-')), 'fangst.duckdb');
    (await openDatabase(empty)).close();
  });

  it('lists every check with type, category, scope, severity and threshold', async () => {
    const r = await run('checks', '--db', empty);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^diagnoser\.sks_format\s+pattern\s+conformance\s+row\s+error\s+at most 0 failing\s+–$/m);
    expect(r.out).toMatch(/^diagnoser\.sks_format_systemic\s+pattern\s+conformance\s+aggregate\s+error\s+at most 20% failing/m);
    expect(r.out).toMatch(/^diagnoser\.marked_share\s+share\s+completeness\s+aggregate\s+warn\s+at least 50%/m);
  });

  it('explains one check with the SQL it runs', async () => {
    const r = await run('checks', 'explain', 'epikriser.diagnosis_for_patient', '--db', empty);
    expect(r.code).toBe(0);
    expect(r.out).toContain('severity:    warn');
    expect(r.out).toContain('reason:      no diagnosis for this patient at this clinic');
    expect(r.out).toMatch(/not exists \(select 1 from core\.diagnoser as t where t\."patient" = w\."patient" and t\."sor_code" = w\."sor_code"\)/);
  });

  it('lists and explains the checks beside --config, as a run with that configuration uses them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-checks-config-'));
    await cp('config', dir, { recursive: true });
    const file = join(dir, 'checks', 'diagnoser.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('threshold: 20%', 'threshold: 35%'));
    const listed = await run('checks', '--config', join(dir, 'pipeline.yaml'), '--db', empty, '--select', 'id:diagnoser.sks_format_systemic');
    expect(listed.out).toMatch(/^diagnoser\.sks_format_systemic\s+pattern\s+conformance\s+aggregate\s+error\s+at most 35% failing/m);
    const explained = await run('checks', 'explain', 'diagnoser.sks_format_systemic', '--config', join(dir, 'pipeline.yaml'), '--db', empty);
    expect(explained.out).toContain('at most 35% failing');
  });

  it('says which check it does not know, with exit code 2', async () => {
    const r = await run('checks', 'explain', 'diagnoser.nope', '--db', empty);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fangst checks explain: no such check: diagnoser\.nope \(did you mean diagnoser\./);
  });
});
