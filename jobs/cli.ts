import { fangstVersion } from './version.ts';
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { maskIdentifiers } from '../transforms/privacy/identifiers.ts';
import { loadFileMode } from '../config/load.ts';
import { applyFileMode } from './file-mode.ts';
import { failureMessage } from './failure-message.ts';

/**
 * Every job registers its subcommand here: one entry per job file, keyed by the
 * subcommand's name. An action parses its options, makes one call, prints, and hands
 * its exit code to `exit`; what goes wrong it throws, and main() turns that into one
 * line on stderr and an exit code (README, "Exit codes").
 */
export type Registrar = (program: Command, exit: (code: number) => void) => void;

const jobs: Record<string, () => Promise<{ register: Registrar }>> = {
  nightly: () => import('./nightly.ts'),
  campaign: () => import('./campaign.ts'),
  checks: () => import('./checks.ts'),
  generate: () => import('./generate.ts'),
  'lab-quality': () => import('./lab-quality.ts'),
  monitor: () => import('./monitor.ts'),
  schedule: () => import('./schedule.ts'),
  score: () => import('./score.ts'),
  release: () => import('./release.ts'),
  runs: () => import('./runs.ts'),
  validate: () => import('./validate.ts'),
};


/** The stack is for whoever debugs fangst, not for the person running it: only with --verbose or at log level debug or trace. */
function wantsStack(argv: readonly string[]): boolean {
  return argv.includes('--verbose') || ['debug', 'trace'].includes(process.env.FANGST_LOG_LEVEL ?? '');
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let running = 'fangst';
  const program = new Command('fangst')
    .description('batch ETL and data-quality analytics for Danish specialist-practice health data')
    .version(fangstVersion(), '-V, --version')
    .showHelpAfterError('(fangst --help lists the commands, fangst <command> --help their options)')
    .exitOverride()
    .hook('preAction', async (_program, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c; c = c.parent) names.unshift(c.name());
      running = names.join(' ');
      // Before the command creates anything, even one given --db that reads no more of the
      // configuration: the file mode pipeline.yaml asks for (without one, owner-only stays).
      // generate's --config is its calibration file, not a pipeline.yaml.
      if (names[1] !== 'generate' && action.options.some((o) => o.attributeName() === 'config')) {
        applyFileMode((await loadFileMode(action.optsWithGlobals().config as string | undefined)) ?? 'owner-only');
      }
    });
  // Jobs pull in DuckDB, Arrow, ECharts...: load only the one asked for, all of them for help.
  const asked = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = asked !== undefined && asked in jobs ? [jobs[asked]!] : Object.values(jobs);
  try {
    for (const load of wanted) (await load()).register(program, (code) => (exitCode = code));
    await program.parseAsync(argv);
  } catch (err) {
    // Commander has already printed its message (and the help); --help and --version end here with 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const code = exitCodeOf(err);
    const message = failureMessage(err);
    // A message may quote a delivered value, file or header name: never an identifier in it.
    process.stderr.write(`${running}: ${maskIdentifiers(message)}\n`);
    if (wantsStack(argv.slice(2)) && err instanceof Error && err.stack) process.stderr.write(`${maskIdentifiers(err.stack)}\n`);
    return code;
  }
  return exitCode;
}
