import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/snapshot.ts';

// `npm run bench` from a fresh clone: no cache folder, nothing generated yet. The harness must
// make what it needs; a tiny scale and no peers keep this a test of its set-up, not a benchmark.
describe('the benchmark harness', () => {
  it('runs from an empty cache to a results file: generates, backfills, runs the night in rounds on copies of the history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-bench-'));
    const out = join(dir, 'results.json');
    const args = ['--import', 'tsx', 'test/bench/run.ts', '--scales', '0.001', '--night-scale', '0.001', '--skip-reference', '--skip-lab-quality',
      '--cache', join(dir, 'cache'), '--out', out];
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, FANGST_LOG_LEVEL: 'silent' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
    expect(code, stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(await readFile(out, 'utf8')) as {
      scenarios: Array<{ name: string; exit_code: number; rows: number; runs: number; seconds: number; rounds_seconds?: number[] }>;
    };
    expect(result.scenarios.map((s) => s.name)).toEqual(['backfill', 'night']);
    for (const s of result.scenarios) {
      expect(s.exit_code === 0 || s.exit_code === 3).toBe(true);
      expect(s.rows).toBeGreaterThan(0);
    }
    // the night's figure is the middle of its three rounds
    const [backfill, night] = result.scenarios as [(typeof result.scenarios)[0], (typeof result.scenarios)[0]];
    expect(night.rounds_seconds).toHaveLength(3);
    expect(night.seconds).toBe([...night.rounds_seconds!].sort((a, b) => a - b)[1]);
    // each round ran on a copy: the history holds the backfill's runs only, so every round loaded the night anew
    const history = await DuckDBInstance.create(join(dir, 'cache', 's0.001', 'run', 'history.duckdb'), { access_mode: 'READ_ONLY' });
    const conn = await history.connect();
    const [[runs]] = (await conn.runAndReadAll(`select count(*)::integer from meta.runs where job = 'nightly'`)).getRows() as [[number]];
    conn.closeSync();
    history.closeSync();
    expect(runs).toBe(backfill.runs);
  });
});
