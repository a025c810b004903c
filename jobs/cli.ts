import { Command, CommanderError } from 'commander';

/**
 * Every job registers its subcommand here: one entry per job file, keyed by the
 * subcommand's name. A job's action sets the process exit code (README, "Exit codes").
 */
type Registrar = (program: Command, setExit: (code: number) => void) => void;

const jobs: Record<string, () => Promise<{ register: Registrar }>> = {
  nightly: () => import('./nightly.ts'),
  campaign: () => import('./campaign.ts'),
  checks: () => import('./checks.ts'),
  generate: () => import('./generate.ts'),
  'lab-quality': () => import('./lab-quality.ts'),
  monitor: () => import('./monitor.ts'),
  schedule: () => import('./schedule.ts'),
  score: () => import('./score.ts'),
};

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('fangst')
    .description('batch ETL and data-quality analytics for Danish specialist-practice health data')
    .showHelpAfterError()
    .exitOverride();
  // Jobs pull in DuckDB, Arrow, ECharts...: load only the one asked for, all of them for help.
  const asked = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = asked !== undefined && asked in jobs ? [jobs[asked]!] : Object.values(jobs);
  for (const load of wanted) (await load()).register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 64;
    throw err;
  }
  return exitCode;
}
