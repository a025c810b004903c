import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { defaultSksFile, loadConfig } from '../../config/load.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { loadChecks, runChecks, type CheckDefinition } from '../../quality/engine.ts';
import { parseSksFile } from '../../transforms/reference/sks-codes.ts';
import { createWorkTables, diagnosis, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

const fixture = 'test/fixtures/sks/SKScomplete-mini.txt';
// The shared reference folder beside the project, where a developer's machine has it (not in CI).
const sharedCsv = fileURLToPath(new URL('../../../shared/reference/sks_diagnosis_codes.csv', import.meta.url));
const now = new Date('2026-03-10T02:00:00Z');

let db: Database;
let conn: DuckDBConnection;
let checks: CheckDefinition[];
beforeEach(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await createWorkTables(conn);
  await insertClinics(conn, '2020-01-01');
  checks = (await loadChecks()).filter((c) => c.id === 'diagnoser.sks_exists');
});
afterEach(() => db.close());

async function unknownCodes(): Promise<string[]> {
  const rows = await queryRows<{ record_key: string }>(conn, `select record_key from quality.row_findings where check_id = 'diagnoser.sks_exists' order by record_key`);
  return rows.map((r) => r.record_key);
}

describe('SKS existence as of the contact date', () => {
  it('reads the fixed-width SKScomplete layout: diagnosis register only, validity dates, Latin-1', async () => {
    const codes = parseSksFile(await readFile(fixture));
    expect(codes).toEqual([
      { code: 'DA00', validFrom: '1994-01-01', validTo: null },
      { code: 'DH353', validFrom: '1994-01-01', validTo: null },
      { code: 'DJ459X', validFrom: '2020-01-01', validTo: '2025-01-01' },
      { code: 'DZ999', validFrom: '2026-03-01', validTo: null },
    ]);
  });

  it('fails codes that are unknown, expired or not yet valid on the contact date', async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'known', code: 'DH353' }),
      diagnosis({ record_id: 'expired', code: 'DJ459X', contact_date: '2025-02-01' }),
      diagnosis({ record_id: 'then_valid', code: 'DJ459X', contact_date: '2024-06-01' }),
      diagnosis({ record_id: 'too_early', code: 'DZ999', contact_date: '2026-02-27' }),
      diagnosis({ record_id: 'new', code: 'DZ999', contact_date: '2026-03-02' }),
      diagnosis({ record_id: 'unknown', code: 'DH999' }),
    ]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now, sksFile: fixture });
    expect(await unknownCodes()).toEqual(['NOVAX:expired', 'NOVAX:too_early', 'NOVAX:unknown']);
    expect(run.results[0]).toMatchObject({ numerator: 3, denominator: 6, outcome: 'warned' });
  });

  it('is not evaluated, and says why, when no SKS file is configured', async () => {
    await insertRows(conn, 'work.diagnoser', [diagnosis({ code: 'DH999' })]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    expect(run.results[0]).toMatchObject({ outcome: 'not_evaluated', message: 'no SKS file configured (reference.sks_file in config/pipeline.yaml)' });
    expect(await unknownCodes()).toEqual([]);
  });

  it.skipIf(!existsSync(sharedCsv))(`accepts the CSV list format (${sharedCsv})`, async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'astma', code: 'DJ459' }),
      diagnosis({ record_id: 'makula', code: 'DH353' }),
      diagnosis({ record_id: 'unknown', code: 'DH999X' }),
    ]);
    await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now, sksFile: sharedCsv });
    expect(await unknownCodes()).toEqual(['NOVAX:unknown']);
    const [row] = await queryRows<{ n: number }>(conn, `select count(*)::integer as n from quality.sks_codes`);
    expect(row!.n).toBe(19531);
  });
  if (!existsSync(sharedCsv)) console.warn(`skipped: ${sharedCsv} is absent (the shared reference folder)`);
});

describe('the shipped SKS code list (config/reference/sks-diagnosis-codes.csv)', () => {
  it('is the reference.sks_file of the shipped configuration, so sks_exists is evaluated on a fresh install', async () => {
    const config = await loadConfig('config/pipeline.yaml');
    expect(config.reference.sksFile).toBe(defaultSksFile);
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'astma', code: 'DJ459' }),
      diagnosis({ record_id: 'unknown', code: 'DH999X' }),
    ]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now, sksFile: config.reference.sksFile });
    expect(run.results[0]).toMatchObject({ numerator: 1, denominator: 2 });
    expect(run.results[0]!.outcome).not.toBe('not_evaluated');
    expect(await unknownCodes()).toEqual(['NOVAX:unknown']);
  });

  it("an operator's file named by reference.sks_file replaces it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-sks-'));
    await cp('config', dir, { recursive: true });
    const file = join(dir, 'pipeline.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/sks_file: null/, `sks_file: ${fixture}`));
    expect((await loadConfig(file)).reference.sksFile).toBe(fixture);
  });

  it('names its source and date in its header, and holds codes only', async () => {
    const text = await readFile(defaultSksFile, 'utf8');
    const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toMatch(/steno-aarhus\/osdc @ [0-9a-f]{40}/);
    expect(header).toMatch(/\d{4}-\d{2}-\d{2}/);
    const rows = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rows[0]).toBe('code');
    for (const r of rows.slice(1)) expect(r).toMatch(/^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$/);
    expect(parseSksFile(await readFile(defaultSksFile))).toHaveLength(rows.length - 1);
  });

  it("holds every code the generator draws as clean, and none of its unknown codes", async () => {
    const known = new Set(parseSksFile(await readFile(defaultSksFile)).map((c) => c.code));
    const cfg = await loadGeneratorConfig('config/generator.yaml');
    for (const code of Object.values(cfg.codes).flat()) expect([code, known.has(code)]).toEqual([code, true]);
    for (const code of cfg.unknown_codes) expect([code, known.has(code)]).toEqual([code, false]);
  });

  it.skipIf(!existsSync(sharedCsv))('holds exactly the codes of the shared reference it was derived from', async () => {
    const shipped = parseSksFile(await readFile(defaultSksFile)).map((c) => c.code);
    const shared = parseSksFile(await readFile(sharedCsv)).map((c) => c.code);
    expect(shipped).toEqual(shared);
  });
});
