import type { Command } from 'commander';
import { generate } from '../data-samples/generator/run.ts';
import { UsageError } from '../config/errors.ts';
import { EXIT } from './exit-codes.ts';

/** `fangst generate`: the synthetic national extract, calibrated to the status report. */
export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('generate')
    .description('write synthetic deliveries of the nine journal systems, the clinic register and the ground truth')
    .option('--scale <S>', 'share of the national volume (1 = the status report)', '0.01')
    .option('--seed <N>', 'seed: the same seed gives byte-identical files', '1')
    .requiredOption('--out <DIR>', 'inbox folder to write into')
    .option('--truth <FILE>', 'ground truth (Parquet); default truth.parquet beside DIR')
    .option('--from <DATE>', 'first day of the period (yyyy-mm-dd)')
    .option('--to <DATE>', 'last day of the period (yyyy-mm-dd)')
    .option('--night <DATE>', "write only one night's deliveries for this date (new record ids, same clinics)")
    .option('--config <FILE>', 'calibration file (default config/generator.yaml)')
    .option('--memory-limit <SIZE>', 'DuckDB memory limit (of each shard)', '3GB')
    .option('--shard-scale <S>', 'largest scale made in one go; a larger scale is made as shards of it, appended to the same files', '1')
    .action(async (o: { scale: string; seed: string; out: string; truth?: string; from?: string; to?: string; night?: string; config?: string; memoryLimit: string; shardScale: string }) => {
      const s = await generate({
        scale: number('--scale', o.scale), seed: number('--seed', o.seed), shardScale: number('--shard-scale', o.shardScale),
        out: o.out, truth: o.truth, from: o.from, to: o.to, night: o.night, config: o.config, memoryLimit: o.memoryLimit,
      });
      const rows = Object.entries(s.rows).map(([k, n]) => `${k} ${n}`).join(', ');
      const shards = s.shards > 1 ? ` (${s.shards} shards)` : '';
      process.stdout.write(`generated ${s.files} files for ${s.clinics} clinics${shards} in ${s.seconds.toFixed(1)} s: ${rows}\n`);
      process.stdout.write(`ground truth: ${s.defects} defective records in ${s.truth}; expected published counts in ${s.expected}\n`);
      exit(EXIT.ok);
    });
}

/** A flag's number; generate() checks its range. */
function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(flag, text, 'a number');
  return n;
}
