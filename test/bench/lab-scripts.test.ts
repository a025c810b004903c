import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/snapshot.ts';
import { hospitalLabSpec } from './spec.ts';

// The lab-quality scenario's peers must compute the same checks the same way, or their times
// say nothing. Ten results written the way a hospital's labevents export writes them.
const EXPORT = `labevent_id,subject_id,specimen_id,itemid,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag
1,101,1,50931,2150-01-01 08:00:00,2150-01-01 09:00:00,95,95,mg/dL,70,100,
2,101,1,50931,2150-01-01 08:00:00,2150-01-01 09:00:00,95,95,mg/dL,70,100,
3,102,2,50931,2150-01-02 08:00:00,2150-01-02 09:00:00,150,150,mg/dL,70,100,abnormal
4,103,3,50931,2150-01-03 08:00:00,2150-01-03 09:00:00,___,3.1,mmol/L,3.9,5.6,abnormal
5,104,4,50971,2150-01-04 08:00:00,2150-01-04 07:00:00,4.0,4.0,mEq/L,3.3,5.1,
6,104,4,50971,2150-01-04 08:00:00,2150-01-04 09:00:00,,,mEq/L,3.3,5.1,
7,105,5,50971,2150-01-05 08:00:00,2150-01-05 09:00:00,___,,mEq/L,3.3,5.1,
8,105,5,51492,2150-01-05 08:00:00,2150-01-05 09:00:00,TR,,mg/dL,,,abnormal
9,106,6,50971,2150-01-06 08:00:00,2150-01-06 09:00:00,4.1,4.1,mEq/L,3.3,5.1,abnormal
10,106,7,50971,2150-01-06 08:00:00,2150-01-06 09:10:00,12.0,12.0,mEq/L,3.3,5.1,
`;

// Worked out by hand from the ten rows above.
const FIGURES = {
  rows: 10,
  value_missing: 2, // 6 empty; 7 removed (___) with no number beside it (4 has one: 3.1)
  value_not_number: 1, // 8: TR
  codes: 3,
  codes_with_several_units: 1, // glucose in mg/dL and mmol/L
  outliers: 1, // potassium mEq/L 4.0, 4.1, 12.0: median 4.1, MAD 0.1, 12.0 is 53 robust SDs off
  with_reference: 7, // 1-5, 9, 10
  below_reference: 1, // 4
  above_reference: 2, // 3, 10
  outside_flagged: 2, // 3, 4 (10 is not flagged)
  inside_flagged: 1, // 9
  result_before_sampling: 1, // 5
  duplicates: 1, // 2 repeats 1; 10 is a repeat specimen with another value
  usable: 6, // 1 (its duplicate 2 once), 3, 4, 8, 9, 10
};

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import pandas']).status === 0);

async function figures(cmd: string, args: string[]): Promise<Record<string, number>> {
  const child = spawn(cmd, args, { cwd: REPO });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
  expect(code, stderr.slice(-2000)).toBe(0);
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
}

describe("the lab-quality scenario's scripts", () => {
  it('DuckDB: the figures worked out by hand', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-lab-scripts-'));
    const csv = join(dir, 'labevents.csv');
    await writeFile(csv, EXPORT);
    await writeFile(join(dir, 'spec.json'), JSON.stringify(hospitalLabSpec(csv)));
    expect(await figures(process.execPath, ['--import', 'tsx', 'test/bench/lab/lab_duckdb.ts', join(dir, 'spec.json')])).toEqual(FIGURES);
  });

  it.skipIf(!python)('pandas (python3-pandas): the same figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-lab-scripts-'));
    const csv = join(dir, 'labevents.csv');
    await writeFile(csv, EXPORT);
    expect(await figures(python!, ['test/bench/lab/lab_pandas.py', csv])).toEqual(FIGURES);
  });
});
