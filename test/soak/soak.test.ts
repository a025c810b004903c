// The soak harness itself (npm run soak runs it for 30 nights, outside CI): two nights, the
// first killed early in its run and restarted at once, the second read from while it runs, must end with
// the rows of an undisturbed replay; and the checks it ends with must see what they look for.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyIn } from './attempt.ts';
import type { Attempt } from './faults.ts';
import { runSoak, type SoakSummary } from './soak.ts';
import { checkBatches, comparePublished, leftovers } from './verify.ts';

/**
 * Night 1 is killed a quarter into its usual duration (early enough to land inside the run even
 * if the machine has got much faster since the replay timed it); night 2 runs beside two readers.
 */
function plan(night: { number: number }): Attempt[] {
  if (night.number === 1) return [{ fault: { kind: 'kill-at-moment', fraction: 0.25 }, readers: [] }, { fault: null, readers: [] }];
  return [{
    fault: null,
    readers: [
      { command: 'monitor', fraction: 0.3, lockWaitSeconds: 0 },
      { command: 'checks report', fraction: 0.5, lockWaitSeconds: 30 },
    ],
  }];
}

describe('the soak harness on two nights', () => {
  let work: string;
  let summary: SoakSummary;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'fangst-soak-'));
    summary = await runSoak({ nights: 2, seed: 1, scale: '0.001', work, plan });
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a killed and restarted night, and readers beside a nightly, end with the replay\'s rows and no defect', () => {
    expect(summary.defects).toEqual([]);
    expect(summary).toMatchObject({ nights: 2, kills: 1, killsBy: { 'random moment': 1 }, batches: 2, nightlyExits: { SIGKILL: 1, 0: 2 } });
    expect(summary.rowsCompared).toBeGreaterThan(0);
    // Each reader read (0) or said in one line that the database was busy (75).
    const readerRuns = Object.entries(summary.readers);
    expect(readerRuns.reduce((n, [, v]) => n + v, 0)).toBe(2);
    for (const [key] of readerRuns) expect(key).toMatch(/^(monitor|checks report) (0|75)$/);
  });

  it('the final checks see a batch without _SUCCESS, its rows missing, and a lock left behind', async () => {
    const [soakRoot, replayRoot] = summary.histories as [string, string];
    const soak = historyIn(soakRoot);
    const [first] = (await readdir(soak.outbox)).sort();
    await rm(join(soak.outbox, first!, '_SUCCESS'));
    await writeFile(`${soak.db}.lock`, '{}');

    expect((await checkBatches(soak)).problems).toEqual([`outbox/${first}: no _SUCCESS`]);
    expect(await leftovers(soakRoot)).toEqual(['fangst.duckdb.lock']);
    const compared = await comparePublished(soak.outbox, historyIn(replayRoot).outbox);
    expect(compared.mismatches).toContainEqual(expect.stringMatching(/^diagnoser\.parquet: 0 rows only in the soak, \d+ only in the replay$/));
    expect(existsSync(join(replayRoot, 'fangst.duckdb.lock'))).toBe(false);
  });
});
