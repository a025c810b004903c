import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFound } from '../../config/errors.ts';
import { sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { runScore } from '../../jobs/score.ts';
import { loadScoreConfig, renderScore, scoreFindings } from '../../quality/score.ts';

// A hand-made truth and a database with findings: every number below can be counted by eye.
const TRUTH = `
  select * from (values
    ('sks_malformed',  'diagnoser', 'novax/a.csv', 5,  'NOVAX:5',  'NOVAX', '111', 'x'),
    ('sks_malformed',  'diagnoser', 'novax/a.csv', 6,  'NOVAX:6',  'NOVAX', '111', 'x'),
    ('sks_malformed',  'diagnoser', 'novax/a.csv', 7,  'NOVAX:7',  'NOVAX', '111', 'x'),
    ('sks_malformed',  'diagnoser', 'novax/a.csv', 8,  'NOVAX:8',  'NOVAX', '111', 'x'),
    ('exact_duplicate','diagnoser', 'novax/b.csv', 3,  'NOVAX:2',  'NOVAX', '111', 'x'),
    ('impossible_date','epikriser', 'dmdc/e.txt',  9,  'DMDC:9',   'DMDC',  '222', 'x'),
    ('delivery_gap',   'clinic',    null,          null, null,     'NOVAX', '111', 'x'),
    ('not_in_score_yaml','diagnoser', 'novax/a.csv', 10, 'NOVAX:10', 'NOVAX', '111', 'x')
  ) as t(kind, data_kind, source_file, source_line, record_key, journal_system, sor_code, detail)`;

describe('fangst score', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fangst-score-'));
    await withDatabase(join(dir, 'db.duckdb'), async (_db, conn) => {
      await conn.run(`copy (${TRUTH}) to ${sqlString(join(dir, 'truth.parquet'))} (format parquet)`);
      await conn.run(`
        -- three of the four malformed codes found, plus one clean row flagged by mistake
        insert into quality.row_findings (run_id, kind, record_key, source_file, source_line, check_id, severity, column_name, reason) values
          ('r1', 'diagnoser', 'NOVAX:5', 'novax/a.csv', 5, 'diagnoser.sks_format', 'error', 'code', 'not sks'),
          ('r1', 'diagnoser', 'NOVAX:6', 'novax/a.csv', 6, 'diagnoser.sks_format', 'error', 'code', 'not sks'),
          ('r1', 'diagnoser', 'NOVAX:7', 'novax/a.csv', 7, 'diagnoser.sks_format', 'error', 'code', 'not sks'),
          ('r1', 'diagnoser', 'NOVAX:7', 'novax/a.csv', 7, 'diagnoser.code_present', 'error', 'code', 'twice for one row'),
          ('r1', 'diagnoser', 'NOVAX:99', 'novax/a.csv', 99, 'diagnoser.sks_format', 'error', 'code', 'not sks');
        -- the pipeline quarantined the first copy of the re-sent record, not the one the truth names
        insert into core.quarantine (run_id, batch_id, kind, record_key, file_hash, source_file, source_line, check_ids, reasons) values
          ('r1', 'b1', 'diagnoser', 'NOVAX:2', 'h', 'novax/a.csv', 2, ['pipeline.duplicate'], ['exact duplicate']);
        insert into meta.rejects (run_id, batch_id, file_hash, source_file, source_line, column_name, reason, raw_value) values ('r1', 'b1', 'h', 'dmdc/e.txt', 9, 'written_date', 'not a date', '31-02-2025');
        insert into quality.alerts (run_id, run_at, alert_type, kind, scope_level, scope_value, observed, message) values
          ('r1', now(), 'clinic_silent', 'diagnoser', 'clinic', '111', 0, 'silent'),
          ('r1', now(), 'clinic_silent', 'diagnoser', 'clinic', '333', 0, 'silent');`);
    });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts recall per defect kind and precision per kind of finding', async () => {
    const cfg = await loadScoreConfig();
    const result = await withDatabase(join(dir, 'db.duckdb'), async (_db, conn) => scoreFindings(conn, join(dir, 'truth.parquet'), cfg));
    const byKind = Object.fromEntries(result.kinds.map((k) => [k.kind, k]));
    expect(byKind.sks_malformed).toMatchObject({ truth: 4, caught: 3, recall: 0.75, flagged: 4, correct: 3, precision: 0.75 });
    // matched on the record key: either copy of a re-sent record counts
    expect(byKind.exact_duplicate).toMatchObject({ truth: 1, caught: 1, recall: 1, precision: 1 });
    expect(byKind.impossible_date).toMatchObject({ caught: 1, recall: 1, precision: 1 });
    // clinic-level: the silent clinic is right, the other alert is not
    expect(byKind.delivery_gap).toMatchObject({ truth: 1, caught: 1, recall: 1, flagged: 2, correct: 1, precision: 0.5 });
    // nothing configured to catch it: reported, not scored
    expect(byKind.not_in_score_yaml).toMatchObject({ scored: false, recall: null });
    expect(result.minPrecision).toBe(0.5);
    expect(result.minRecall).toBe(0.75);
    const text = renderScore(result);
    expect(text.trimEnd().split('\n').at(-1)).toBe('score: min precision 0.500, min recall 0.750');
    expect(text).toContain('not scored (no finding configured in config/score.yaml): not_in_score_yaml (1)');
  });

  it('runs from the command options and names a missing truth file', async () => {
    const out: string[] = [];
    const ok = await runScore({ db: join(dir, 'db.duckdb'), truth: join(dir, 'truth.parquet') }, (t) => out.push(t));
    expect(ok.exitCode).toBe(0);
    expect(out.join('')).toMatch(/score: min precision 0\.500, min recall 0\.750\n$/);
    await expect(runScore({ db: join(dir, 'db.duckdb'), truth: join(dir, 'nope.parquet') }, () => {}))
      .rejects.toThrow(new NotFound('truth file', join(dir, 'nope.parquet'), 'fangst generate writes truth.parquet beside its output'));
  });

  it('refuses a score.yaml with an unknown key, naming it', async () => {
    const path = join(dir, 'score.yaml');
    await writeFile(path, 'kinds:\n  sks_malformed: { check: [diagnoser.sks_format] }\n');
    await expect(loadScoreConfig(path)).rejects.toThrow(`${path}: kinds.sks_malformed.check: found an unknown key, expected one of checks, rejects, alerts (did you mean checks?)`);
  });
});

describe('fangst score with two defect kinds caught by one finding', () => {
  it('counts a finding right for the kind whose defect it hits, and neither right nor wrong for the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-score-'));
    try {
      const cfgFile = join(dir, 'score.yaml');
      await writeFile(cfgFile, 'kinds:\n  mix_hb: { checks: [lab.unit_mixup_clinic] }\n  mix_hba1c: { checks: [lab.unit_mixup_clinic] }\n');
      const cfg = await loadScoreConfig(cfgFile);
      const result = await withDatabase(join(dir, 'db.duckdb'), async (_db, conn) => {
        await conn.run(`copy (select * from (values
            ('mix_hb', 'laboratoriesvar', 'x/l.csv', 2, 'X:2', 'X', '111', 'x'), ('mix_hb', 'laboratoriesvar', 'x/l.csv', 3, 'X:3', 'X', '111', 'x'),
            ('mix_hb', 'laboratoriesvar', 'x/l.csv', 4, 'X:4', 'X', '111', 'x'), ('mix_hba1c', 'laboratoriesvar', 'x/l.csv', 5, 'X:5', 'X', '111', 'x')
          ) as t(kind, data_kind, source_file, source_line, record_key, journal_system, sor_code, detail)) to ${sqlString(join(dir, 'truth.parquet'))} (format parquet)`);
        // the four defects found, and one clean row (line 9) flagged by mistake
        await conn.run(`insert into quality.row_findings (run_id, kind, record_key, source_file, source_line, check_id, severity, column_name, reason)
          select 'r1', 'laboratoriesvar', 'X:' || n, 'x/l.csv', n, 'lab.unit_mixup_clinic', 'warn', 'value', 'mix-up' from (values (2), (3), (4), (5), (9)) as v(n)`);
        return scoreFindings(conn, join(dir, 'truth.parquet'), cfg);
      });
      const byKind = Object.fromEntries(result.kinds.map((k) => [k.kind, k]));
      expect(byKind.mix_hb).toMatchObject({ truth: 3, caught: 3, flagged: 4, correct: 3, precision: 0.75 });
      expect(byKind.mix_hba1c).toMatchObject({ truth: 1, caught: 1, flagged: 2, correct: 1, precision: 0.5 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
