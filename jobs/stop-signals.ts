import { constants } from 'node:os';

/** The shell's exit code for a process ended by the signal: 128 + its number. */
const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0);

/**
 * A run stopped by SIGTERM (a scheduler's timeout, systemd, `kill`) or SIGINT (Ctrl-C). Its
 * exit code is the shell's for a process ended by the signal: 128 + its number (143, 130).
 */
export class Stopped extends Error {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals, committed: string | null) {
    super(committed
      ? `stopped by ${signal}; ${committed}`
      : `stopped by ${signal}; nothing of the run was committed, the next run loads its files again`);
    this.name = 'Stopped';
    this.exitCode = signalExitCode(signal);
  }
}

export interface StopRequests {
  /** The signal that asked the run to stop, or null. */
  readonly signal: NodeJS.Signals | null;
  /**
   * What a stop does to the work in progress: interrupt the DuckDB statement running, until
   * the run commits; null from then on, so that a committed run publishes its batch.
   */
  interruptWith(interrupt: (() => void) | null): void;
  /** Throws Stopped where a stop was asked for: between steps, before the commit. */
  throwIfStopped(): void;
  /** Removes the handlers: signals end the process as Node's default does again. */
  dispose(): void;
}

/**
 * Turns SIGTERM and SIGINT into a request to stop: the statement running is interrupted and
 * the run ends at its next step, rolled back and recorded as failed with the signal's exit
 * code, its lock released. A second signal ends the process at once, as a kill does (which
 * every run survives).
 */
export function stopOnSignals(onFirst: (signal: NodeJS.Signals) => void = () => {}): StopRequests {
  let signal: NodeJS.Signals | null = null;
  let interrupt: (() => void) | null = null;
  const handle = (s: NodeJS.Signals) => {
    if (signal !== null) process.exit(signalExitCode(s));
    signal = s;
    onFirst(s);
    interrupt?.();
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  return {
    get signal() {
      return signal;
    },
    interruptWith(fn) {
      interrupt = fn;
    },
    throwIfStopped() {
      if (signal !== null) throw new Stopped(signal, null);
    },
    dispose() {
      process.removeListener('SIGTERM', handle);
      process.removeListener('SIGINT', handle);
    },
  };
}
