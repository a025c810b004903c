// End to end, as operations and FAPS run it: `fangst generate` (small scale) -> `fangst nightly`
// -> `fangst campaign --json`, and the campaign's national monthly figures against the
// generator's own answer (truth.expected.parquet, scope national_month), which the nightly job
// never reads.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignDocument } from '../../quality/reports/campaign/document.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';

const run = promisify(execFile);
const fangst = (...args: string[]) => run(process.execPath, ['jobs/fangst.js', ...args], { cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024 });

interface Expected {
  month: string;
  diagnoses: number;
  a: number;
  b: number;
}

describe.skipIf(!existsSync('data-samples/generator/run.ts'))('campaign on generated deliveries after a nightly run', () => {
  let dir: string;
  let doc: CampaignDocument;
  let expected: Expected[];
  let core: Expected[];
  let bySpecialty: Array<Expected & { key: string }>;
  let systemTotal: Expected;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-campaign-e2e-'));
    const inbox = join(dir, 'inbox');
    const truth = join(dir, 'truth.parquet');
    const db = join(dir, 'fangst.duckdb');
    await fangst('generate', '--scale', '0.0005', '--seed', '11', '--out', inbox, '--truth', truth);
    await fangst('nightly', '--inbox', inbox, '--outbox', join(dir, 'outbox'), '--db', db, '--reports', join(dir, 'reports')).catch((err) => {
      // a held-back kind (exit 3) still publishes the diagnoses; anything else is a failure
      if (err.code !== 3) throw err;
    });
    const { stdout } = await fangst('campaign', '--db', db, '--json');
    doc = JSON.parse(stdout) as CampaignDocument;
    await withDatabase(':memory:', async (_db, conn) => {
      expected = await queryRows<Expected>(
        conn,
        `select month, cast(diagnoser as integer) as diagnoses, cast(a_diagnoser as integer) as a, cast(b_diagnoser as integer) as b
         from read_parquet(${sqlString(truth.replace(/\.parquet$/, '.expected.parquet'))})
         where scope = 'national_month' order by month`,
      );
      [systemTotal] = await queryRows<Expected>(
        conn,
        `select 'whole' as month, cast(diagnoser as integer) as diagnoses, cast(a_diagnoser as integer) as a, cast(b_diagnoser as integer) as b
         from read_parquet(${sqlString(truth.replace(/\.parquet$/, '.expected.parquet'))})
         where scope = 'system' and key = 'Total'`,
      ) as [Expected];
      bySpecialty = await queryRows<Expected & { key: string }>(
        conn,
        `select key, month, cast(diagnoser as integer) as diagnoses,
                cast(coalesce(a_diagnoser, 0) as integer) as a, cast(coalesce(b_diagnoser, 0) as integer) as b
         from read_parquet(${sqlString(truth.replace(/\.parquet$/, '.expected.parquet'))})
         where scope = 'specialty_month' and diagnoser > 0 order by key, month`,
      );
    });
    await withDatabase(db, async (_db, conn) => {
      core = await queryRows<Expected>(
        conn,
        `select strftime(contact_date, '%Y-%m') as month, cast(count(*) as integer) as diagnoses,
                cast(count(*) filter (where kind = 'A') as integer) as a, cast(count(*) filter (where kind = 'B') as integer) as b
         from core.diagnoser group by 1 order by 1`,
      );
    });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures the change from the first month with diagnoses when the start month has none, and says so', async () => {
    const { stdout } = await fangst('campaign', '--db', join(dir, 'fangst.duckdb'), '--start', '2020-01');
    const first = core[0]!.month;
    expect(stdout).toMatch(new RegExp(`; change since ${first}: `));
    expect(stdout).not.toMatch(/change since 2020-01/);
  });

  it('counts exactly what the nightly job published, month by month', () => {
    expect(doc.national.months.map((m) => ({ month: m.month, diagnoses: m.diagnoses, a: m.a_diagnoses, b: m.b_diagnoses }))).toEqual(core);
    for (const m of doc.national.months) expect(m.a_share).toBe((m.a_diagnoses ?? NaN) / (m.diagnoses ?? NaN));
  });

  it("gives each month's A-share and marked share as the generator's truth has them", () => {
    expect(expected.length).toBeGreaterThan(12);
    const got = new Map(doc.national.months.map((m) => [m.month, m]));
    const rows = expected.map((e) => {
      const m = got.get(e.month);
      return {
        month: e.month,
        a_share: m?.a_share === undefined ? null : Math.round(m.a_share! * 1e9) / 1e9,
        marked_share: m?.marked_share === undefined ? null : Math.round(m.marked_share! * 1e9) / 1e9,
      };
    });
    expect(rows).toEqual(
      expected.map((e) => ({
        month: e.month,
        a_share: Math.round((e.a / e.diagnoses) * 1e9) / 1e9,
        marked_share: Math.round(((e.a + e.b) / e.diagnoses) * 1e9) / 1e9,
      })),
    );
  });

  it("gives the status report's per-system total (clinics with a registered system) for the whole period", () => {
    const r = doc.national.registered_systems.whole_period;
    expect({ diagnoses: r.diagnoses, a: r.a_diagnoses, b: r.b_diagnoses }).toEqual({ diagnoses: systemTotal.diagnoses, a: systemTotal.a, b: systemTotal.b });
  });

  it('gives every specialty (after the split of 8) its monthly counts as the truth has them', () => {
    const got = doc.specialties.flatMap((s) =>
      s.months.map((m) => ({ key: s.specialty, month: m.month, diagnoses: m.diagnoses, a: m.a_diagnoses, b: m.b_diagnoses })),
    );
    expect(got.sort((x, y) => x.key.localeCompare(y.key) || x.month!.localeCompare(y.month!))).toEqual(bySpecialty);
    expect(doc.specialties.map((s) => s.specialty)).not.toContain('8');
  });

  it('decomposes every monthly change exactly and names the systems that cannot mark', () => {
    expect(doc.national.shift_share.length).toBe(doc.national.months.length - 1);
    for (const m of doc.national.shift_share) expect(Math.abs(m.within + m.mix - m.observed_change)).toBeLessThan(1e-12);
    expect(doc.non_marking_systems).toEqual(expect.arrayContaining(['DMDC', 'XMedicus']));
  });
});
