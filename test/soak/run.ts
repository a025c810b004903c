// `npm run soak`: the soak test (test/soak/soak.ts), outside `npm test` and CI: it runs for
// minutes. Exits 0 when nothing went wrong, 1 on any defect (listed in the summary).
//
//   npm run soak -- [--nights 30] [--seed 1] [--scale 0.001] [--work DIR] [--keep]
//
// Generated nights are kept under DIR/nights (default test/soak/cache, git-ignored) for the next
// soak with the same seed and scale; the histories are removed unless --keep or a defect.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../helpers/snapshot.ts';
import { formatSummary, runSoak } from './soak.ts';

const { values: args } = parseArgs({
  options: {
    nights: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    scale: { type: 'string', default: '0.001' },
    work: { type: 'string', default: join(REPO, 'test', 'soak', 'cache') },
    keep: { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`npm run soak: --${name}: found "${raw}", expected a whole number of at least 1\n`);
    process.exit(2);
  }
  return n;
}

const nights = positiveInteger('nights', args.nights!);
const seed = positiveInteger('seed', args.seed!);
const work = resolve(args.work!);
const command = `npm run soak -- --nights ${nights} --seed ${seed} --scale ${args.scale}`;

const summary = await runSoak({ nights, seed, scale: args.scale!, work, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`${formatSummary(summary, command)}\n`);
if (summary.defects.length === 0 && !args.keep) {
  for (const h of summary.histories) await rm(h, { recursive: true, force: true });
} else {
  process.stdout.write(`histories kept: ${summary.histories.join(', ')}\n`);
}
process.exit(summary.defects.length === 0 ? 0 : 1);
