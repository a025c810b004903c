import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, sizeInBytes } from '../../config/load.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { deliveryStamp, planRuns } from '../../transforms/ingest/plan-runs.ts';
import { runNightly } from '../../jobs/nightly.ts';
import { formatSummary } from '../../jobs/summary.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs } from '../helpers/snapshot.ts';

const silent = pino({ level: 'silent' });
const HEADER = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';

const file = (name: string, bytes: number, isRegister = false) => ({ file: name, bytes, isRegister });
const names = (runs: Array<Array<{ file: string }>>) => runs.map((r) => r.map((f) => f.file));

describe('planning a large inbox as consecutive runs', () => {
  it('goes in delivery order, registers first, and never splits a month', () => {
    const files = [
      file('novax/x_diagnoser_202502.csv', 40), file('cgm-xmo/xmo_diag_202501.csv.gz', 50), file('dmdc/DMDC_DIA_202502.txt', 30),
      file('register/klinikregister.csv', 5, true), file('multimed/20250103.diagnoses.ndjson', 20), file('novax/x_diagnoser_202503.csv', 10),
    ];
    expect(names(planRuns(files, 75))).toEqual([
      // January (70 bytes) fits; February (70) would pass 75: a run of its own; March with it would too
      ['register/klinikregister.csv', 'cgm-xmo/xmo_diag_202501.csv.gz', 'multimed/20250103.diagnoses.ndjson'],
      ['dmdc/DMDC_DIA_202502.txt', 'novax/x_diagnoser_202502.csv'],
      ['novax/x_diagnoser_202503.csv'],
    ]);
  });

  it('gives a month larger than the budget a run of its own, and one run without a budget', () => {
    const files = [file('a_202501.csv', 10), file('b_202502.csv', 500), file('c_202502.csv', 500), file('d_202503.csv', 10)];
    expect(names(planRuns(files, 100))).toEqual([['a_202501.csv'], ['b_202502.csv', 'c_202502.csv'], ['d_202503.csv']]);
    expect(names(planRuns(files, null))).toEqual([files.map((f) => f.file)]);
    expect(planRuns([], 100)).toEqual([]);
    expect(deliveryStamp('novax/2025-03_diagnoser_1.csv')).toBe('20250300');
    expect(deliveryStamp('multimed/20250103.diagnoses.ndjson.gz')).toBe('20250103');
    expect(deliveryStamp('dmdc/DMDC_DIA_202412.txt')).toBe('20241200');
  });

  it('reads the budget and the memory limit from the configuration and the command line', async () => {
    expect(sizeInBytes('256MB')).toBe(256_000_000);
    expect(sizeInBytes('1 GiB')).toBe(2 ** 30);
    expect(sizeInBytes('lots')).toBeNull();
    expect((await loadConfig('config/pipeline.yaml')).runInputBudget).toBe(256_000_000);
    expect((await loadConfig('config/pipeline.yaml', { runInputBudget: 'none' })).runInputBudget).toBeNull();
    await expect(loadConfig('config/pipeline.yaml', { runInputBudget: '12 apples' })).rejects.toThrow(/--run-budget: found "12 apples", expected a size such as "256MB"/);
    // A month of a national backfill is one run whatever the budget: the memory limit is the other knob.
    expect((await loadConfig('config/pipeline.yaml', { memoryLimit: '4GB' })).memoryLimit).toBe('4GB');
    await expect(loadConfig('config/pipeline.yaml', { memoryLimit: 'plenty' })).rejects.toThrow(/--memory-limit: found "plenty", expected a size such as "4GB"/);
  });
});

/** Three months of NOVAX diagnoses; March corrects a January record and re-sends another unchanged. */
async function threeMonths() {
  const ws = await workspace();
  await ws.put('register/klinikregister.csv', REGISTER);
  await ws.put('novax/2025-01_diagnoser_1.csv', [HEADER, 'n1;61741000016007;;P1;DH353;B;03-01-2025', 'n2;61741000016007;;P2;DH259;B;04-01-2025'].join('\n') + '\n', 'latin-1');
  await ws.put('novax/2025-02_diagnoser_1.csv', [HEADER, 'n3;61741000016007;;P3;DH400;A;05-02-2025', 'n4;61741000016007;;P4;DH401;A;31-02-2025'].join('\n') + '\n', 'latin-1');
  await ws.put('novax/2025-03_diagnoser_1.csv', [HEADER, 'n1;61741000016007;;P1;DH353;A;03-01-2025', 'n2;61741000016007;;P2;DH259;B;04-01-2025',
    'n5;61741000016007;;P5;DH402;A;06-03-2025'].join('\n') + '\n', 'latin-1');
  return ws;
}

describe('a large inbox loaded as consecutive runs', () => {
  it('publishes a batch per run, accounts for every row once, and a later month corrects an earlier one', async () => {
    const ws = await threeMonths();
    const job = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, runBudget: '100B' });
    expect(job.runs).toHaveLength(3);
    expect(job.runs.map((r) => r.files.map((f) => f.file))).toEqual([
      ['register/klinikregister.csv', 'novax/2025-01_diagnoser_1.csv'], ['novax/2025-02_diagnoser_1.csv'], ['novax/2025-03_diagnoser_1.csv'],
    ]);
    // 7 rows: n4's impossible date is rejected, March's unchanged n2 is quarantined as already published
    expect(job.summary.totals).toEqual({ read: 7, published: 5, quarantined: 1, rejected: 1 });
    for (const run of job.runs) {
      expect(run.batchId).not.toBeNull();
      expect(existsSync(join(ws.outbox, run.batchId!, '_SUCCESS'))).toBe(true);
      expect(existsSync(run.report!)).toBe(true);
    }
    const text = formatSummary(job.summary);
    expect(text).toContain('the inbox loaded as 3 consecutive runs');
    expect(text).toContain('rows:  7 read = 5 published + 1 quarantined + 1 rejected');

    await withDatabase(ws.db, async (_d, conn) => {
      const rows = await queryRows<{ record_id: string; kind: string }>(conn, `select record_id, kind from core.diagnoser order by record_id`);
      expect(rows.map((r) => [r.record_id, r.kind])).toEqual([['n1', 'A'], ['n2', 'B'], ['n3', 'A'], ['n5', 'A']]);
      const runs = await queryRows<{ status: string; batch_id: string | null; rows_read: number }>(conn,
        `select status, batch_id, rows_read from meta.runs order by started_at, finished_at`);
      expect(runs.map((r) => [r.status, r.batch_id !== null, Number(r.rows_read)])).toEqual([['succeeded', true, 2], ['succeeded', true, 2], ['succeeded', true, 3]]);
      // Each run has a time of its own, in run order: report trends never tie or swap.
      const times = await queryRows<{ run_id: string; ms: bigint }>(conn, `select run_id, epoch_ms(run_at) as ms from quality.runs order by run_at`);
      expect(times.map((t) => t.run_id)).toEqual(job.runs.map((r) => r.runId));
      expect(new Set(times.map((t) => Number(t.ms))).size).toBe(3);
      const [f] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from meta.files where kind <> 'register'`);
      expect(Number(f!.n)).toBe(3);
      // January's n1, published by the first run, replaced by March's correction: the lineage stays.
      const replaced = await queryRows<{ source_file: string; source_line: bigint; reason: string }>(conn,
        `select source_file, source_line, reason from quality.row_findings where check_id = 'pipeline.replaced'`);
      expect(replaced.map((r) => [r.source_file, Number(r.source_line)])).toEqual([['novax/2025-01_diagnoser_1.csv', 2]]);
      expect(replaced[0]!.reason).toMatch(/^published in batch b\S+, replaced by a correction in novax\/2025-03_diagnoser_1.csv line 2$/);
    });

    // Loading the same inbox again changes nothing.
    const again = await runNightly({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, logger: silent, runBudget: '100B' });
    expect(again.runs).toHaveLength(1);
    expect(again.summary.batchId).toBeNull();
    expect(again.summary.skipped.filter((s) => s.outcome === 'already_loaded')).toHaveLength(4);
  });

  it('fangst nightly prints each run of a backfill as it is published: a process stopped after one has said it (ot14 LOW 4)', async () => {
    const ws = await threeMonths();
    // SIGTERM after the first run's commit: it publishes its batch, the other two are left to the next night
    const stopped = await fangst([...nightlyArgs(ws), '--run-budget', '100B'], { FANGST_SIGNAL_AT: 'after-commit' });
    expect(stopped.code).toBe(143);
    expect(stopped.stdout).toMatch(/^fangst nightly: run 1 of 3 done: r\S+: 2 files, 2 rows read, batch b\S+ published\n$/);
    const rest = await fangst([...nightlyArgs(ws), '--run-budget', '100B']);
    expect(rest.code).toBe(0);
    const lines = rest.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^fangst nightly: run 1 of 2 done: r\S+: 1 files, 2 rows read, batch b\S+ published$/),
      expect.stringMatching(/^fangst nightly: run 2 of 2 done: r\S+: 1 files, 3 rows read, batch b\S+ published$/),
      'fangst nightly: the inbox loaded as 2 consecutive runs (run_input_budget)',
    ]);
  });

  it('ends with the same records published as one run over the same inbox', async () => {
    const split = await threeMonths();
    const whole = await threeMonths();
    await runNightly({ inbox: split.inbox, outbox: split.outbox, db: split.db, reports: split.reports, logger: silent, runBudget: '100B' });
    const one = await runNightly({ inbox: whole.inbox, outbox: whole.outbox, db: whole.db, reports: whole.reports, logger: silent, runBudget: 'none' });
    expect(one.runs).toHaveLength(1);
    // The same records with the same content; an unchanged re-send keeps the copy published first
    // when it comes in a later run, and the later copy within one run (source_file differs).
    const published = (db: string) => withDatabase(db, (_d, conn) =>
      queryRows<{ record_id: string; kind: string; code: string; contact_date: unknown }>(conn, `select record_id, kind, code, contact_date from core.diagnoser order by record_id`));
    expect(await published(split.db)).toEqual(await published(whole.db));
  });
});
