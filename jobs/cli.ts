import { Command, CommanderError } from 'commander';

/**
 * Every job registers its subcommand here: one line per job file.
 * A job's action returns the process exit code (see README, "Exit codes").
 */
type Registrar = (program: Command, setExit: (code: number) => void) => void;

const jobs: Array<() => Promise<{ register: Registrar }>> = [
  () => import('./nightly.ts'),
  () => import('./campaign.ts'),
  () => import('./checks.ts'),
];

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('fangst')
    .description('batch ETL and data-quality analytics for Danish specialist-practice health data')
    .showHelpAfterError()
    .exitOverride();
  for (const load of jobs) (await load()).register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 64;
    throw err;
  }
  return exitCode;
}
