// `fangst score --db FILE --truth FILE`: how well the checks in the database caught the
// defects the generator put into the data (precision and recall per defect kind).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { loadScoreConfig, renderScore, scoreFindings, type ScoreResult } from '../quality/score.ts';
import { NotFound, UsageError } from '../config/errors.ts';
import { EXIT } from './exit-codes.ts';
import { openForReading } from './open-database.ts';

export interface ScoreOptions {
  readonly db?: string;
  readonly truth?: string;
  readonly config?: string;
  readonly scoreConfig?: string;
  readonly json?: boolean;
}

/** Prints the scores; a missing flag, truth file or database, or a bad configuration, is thrown. */
export async function runScore(opts: ScoreOptions, out: (t: string) => void = (t) => process.stdout.write(t)): Promise<{ exitCode: number; result: ScoreResult }> {
  if (!opts.truth) throw new UsageError('--truth', opts.truth, 'the ground truth file (fangst generate writes truth.parquet beside its output)');
  if (!existsSync(opts.truth)) throw new NotFound('truth file', opts.truth, 'fangst generate writes truth.parquet beside its output');
  // a CSV or a folder given for the truth: said so, not as DuckDB's error quoting our query
  if (!isParquet(opts.truth)) throw new NotFound('Parquet truth file', opts.truth, 'that is no Parquet file: fangst generate writes truth.parquet beside its output');
  const cfg = await loadScoreConfig(opts.scoreConfig);
  const dbPath = opts.db ?? (await loadConfig(opts.config)).database;
  if (!existsSync(dbPath)) throw new NotFound('database', dbPath, 'run fangst nightly or lab-quality first, or pass --db');
  const db = await openForReading(dbPath);
  let result: ScoreResult;
  try {
    result = await scoreFindings(await db.connect(), opts.truth, cfg);
  } finally {
    db.close();
  }
  out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderScore(result));
  return { exitCode: EXIT.ok, result };
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('score')
    .description("precision and recall of the checks per defect kind, against the generator's ground truth")
    .option('--db <file>', 'DuckDB database the nightly job (and lab-quality) wrote (default: from the configuration)')
    .option('--truth <file>', 'ground truth written by fangst generate (truth.parquet)')
    .option('--config <file>', 'pipeline configuration (for the default database)')
    .option('--score-config <file>', 'which findings catch which defect kind (default config/score.yaml)')
    .option('--json', 'print the scores as JSON')
    .action(async (o: ScoreOptions) => exit((await runScore(o)).exitCode));
}

/** Whether `path` is a Parquet file: it starts with the magic bytes PAR1 (Apache Parquet's file format). */
function isParquet(path: string): boolean {
  if (statSync(path).isDirectory()) return false;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === 'PAR1';
  } finally {
    closeSync(fd);
  }
}
