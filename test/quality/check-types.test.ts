// "A new type is a file and one line": types written here, registered next to the shipped ones
// the way quality/registry.ts registers them, run through the engine unchanged.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, sqlIdent, sqlString, type Database } from '../../transforms/db/connection.ts';
import { failingAtMost, scopeLevelOf, type AggregateCheckType, type CheckType, type RowCheckType } from '../../quality/check-type.ts';
import { column, noOtherKeys, str } from '../../quality/definitions.ts';
import { loadChecks, runChecks, thresholdText, type CheckResult } from '../../quality/engine.ts';
import { checkTypes } from '../../quality/registry.ts';
import { clinicB, createWorkTables, diagnosis, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

// --- the toy types: what a file in quality/checks/ would hold ---

/** code_prefix: a present value must start with a prefix. */
const codePrefix: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  defaultThreshold: { count: 1 },
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'prefix'], at);
    return { column: column(raw.column, at.key('column')), prefix: str(raw.prefix, at.key('prefix'), 'a prefix') };
  },
  failingRows(check, env) {
    const c = check.params.column as string;
    return `select row_id, ${sqlString(c)} as column_name from ${env.rows}
where ${sqlIdent(c)} is not null and not starts_with(${sqlIdent(c)}, ${sqlString(check.params.prefix as string)})`;
  },
};

/** row_cap: at most max_rows candidate rows, nationally and per journal system. */
const rowCap: AggregateCheckType = {
  shape: 'aggregate',
  defaultScope: 'aggregate',
  reading: 'row_count',
  thresholdText: (check) => `at most ${check.params.max_rows} rows per system`,
  parse(raw, at) {
    noOtherKeys(raw, ['max_rows'], at);
    if (typeof raw.max_rows !== 'number') at.key('max_rows').fail(raw.max_rows, 'a number of rows');
    return { max_rows: raw.max_rows };
  },
  measure(_check, env) {
    return `select 'national' as scope_level, null::varchar as scope_value, count(*) as numerator, null::bigint as denominator, null::varchar as detail from ${env.rows}
union all
select ${sqlString(scopeLevelOf('journal_system'))}, journal_system, count(*), null, null from ${env.rows} group by journal_system`;
  },
  breached(check, m) {
    return m.scope_level !== 'national' && (m.numerator ?? 0) > (check.params.max_rows as number);
  },
};

/** guarded: needs a table no run has; while it is missing, its kind must not publish. */
const guarded: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  holdsBackUnchecked: true,
  parse(raw, at) {
    noOtherKeys(raw, [], at);
    return {};
  },
  unavailable(_check, env) {
    return env.tables.has('ref.toy_list') ? null : 'table ref.toy_list does not exist';
  },
  failingRows(_check, env) {
    return `select row_id, null::varchar as column_name from ${env.rows} where row_id not in (select row_id from ref.toy_list)`;
  },
};

// --- the one line each, beside the registry's ---
const types: ReadonlyMap<string, CheckType> = new Map<string, CheckType>([
  ...checkTypes,
  ['code_prefix', codePrefix],
  ['row_cap', rowCap],
  ['guarded', guarded],
]);

const yaml = `
- id: diagnoser.toy_prefix
  kind: diagnoser
  category: conformance
  type: code_prefix
  column: code
  prefix: DH
  severity: error
  reason: the code does not start with DH
- id: diagnoser.toy_cap
  kind: diagnoser
  category: plausibility
  type: row_cap
  max_rows: 2
  severity: warn
  reason: more rows than a system sends
- id: diagnoser.toy_guarded
  kind: diagnoser
  category: conformance
  type: guarded
  severity: error
  reason: not on the toy list
`;

const now = new Date('2026-03-10T02:00:00Z');
let db: Database;
let conn: DuckDBConnection;
let dir: string;

beforeEach(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await createWorkTables(conn);
  await insertClinics(conn);
  dir = await mkdtemp(join(tmpdir(), 'fangst-toy-checks-'));
  await writeFile(join(dir, 'toy.yaml'), yaml);
});
afterEach(() => db.close());

const at = (results: CheckResult[], id: string, level = 'national', value: string | null = null) =>
  results.find((r) => r.checkId === id && r.scopeLevel === level && r.scopeValue === value);

describe('a check type written outside quality/checks/', () => {
  it('parses its YAML through its own parser, and only with it registered', async () => {
    await expect(loadChecks(dir)).rejects.toThrow(/toy\.yaml: checks\[0\] \(diagnoser\.toy_prefix\)\.type: found "code_prefix", expected one of not_null/);
    const checks = await loadChecks(dir, types);
    expect(checks.map((c) => [c.id, c.params])).toEqual([
      ['diagnoser.toy_prefix', { column: 'code', prefix: 'DH' }],
      ['diagnoser.toy_cap', { max_rows: 2 }],
      ['diagnoser.toy_guarded', {}],
    ]);
    expect(checks.map((c) => thresholdText(c, types))).toEqual(['at most 1 failing', 'at most 2 rows per system', 'at most 0 failing']);
    await writeFile(join(dir, 'toy.yaml'), yaml.replace('prefix: DH', 'prefix: DH\n  prefx: D'));
    await expect(loadChecks(dir, types)).rejects.toThrow(/\(diagnoser\.toy_prefix\)\.prefx: found an unknown key, expected a key of this check type, .* \(did you mean prefix\?\)$/);
  });

  it('runs through the engine: row findings, judged outcomes, not evaluated and held back by its own prerequisites', async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'ok' }),
      diagnosis({ record_id: 'other1', code: 'DM201' }),
      diagnosis({ record_id: 'other2', code: 'DM202' }),
      diagnosis({ record_id: 'dmdc', journal_system: 'DMDC', sor_code: clinicB }),
    ]);
    const checks = await loadChecks(dir, types);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now, types });

    const prefix = at(run.results, 'diagnoser.toy_prefix')!;
    expect(prefix).toMatchObject({ type: 'code_prefix', numerator: 2, denominator: 4, percent: 50, outcome: 'failed', threshold: 'at most 1 failing' });
    expect(at(run.results, 'diagnoser.toy_prefix', 'system', 'NOVAX')).toMatchObject({ numerator: 2, denominator: 3, outcome: 'failed' });
    expect(at(run.results, 'diagnoser.toy_prefix', 'system', 'DMDC')).toMatchObject({ numerator: 0, denominator: 1, outcome: 'passed' });
    const findings = await queryRows<{ record_key: string; severity: string; column_name: string; reason: string }>(
      conn,
      `select record_key, severity, column_name, reason from quality.row_findings where check_id = 'diagnoser.toy_prefix' order by record_key`,
    );
    expect(findings).toEqual([
      { record_key: 'NOVAX:other1', severity: 'error', column_name: 'code', reason: 'the code does not start with DH' },
      { record_key: 'NOVAX:other2', severity: 'error', column_name: 'code', reason: 'the code does not start with DH' },
    ]);

    expect(at(run.results, 'diagnoser.toy_cap')).toMatchObject({ numerator: 4, outcome: 'warned', threshold: 'at most 2 rows per system', message: 'more rows than a system sends (NOVAX)' });
    expect(at(run.results, 'diagnoser.toy_cap', 'system', 'DMDC')).toMatchObject({ numerator: 1, outcome: 'passed' });

    expect(at(run.results, 'diagnoser.toy_guarded')).toMatchObject({ outcome: 'not_evaluated', message: 'table ref.toy_list does not exist' });
    expect(run.heldBackKinds).toEqual(['diagnoser']);
  });
});
