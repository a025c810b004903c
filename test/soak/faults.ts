// What goes wrong in a soak, drawn at random but reproducibly: the same seed gives the same
// faults on the same nights, so a failing soak can be run again and looked at.
import { CRASH_POINTS, type CrashPoint } from '../../jobs/crashpoints.ts';
import { seededRandom, type Random } from '../helpers/random.ts';

export { seededRandom, type Random };

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * One way a nightly attempt is disturbed:
 * - `kill-at-moment`: SIGKILL from outside after `fraction` of the night's usual duration (the
 *   OOM killer, a power cut, an operator's kill -9), wherever the run happens to be;
 * - `kill-at-point`: the run kills itself at a named crash point (jobs/crashpoints.ts), so the
 *   narrow windows a random moment rarely hits (between rename and _SUCCESS, say) are hit too;
 * - `disk-full`: ENOSPC thrown at a named point (FANGST_FAIL_AT), the way a full disk for the
 *   database, the outbox or the reports shows up; the run must fail cleanly with exit 1.
 */
export type Fault =
  | { readonly kind: 'kill-at-moment'; readonly fraction: number }
  | { readonly kind: 'kill-at-point'; readonly point: CrashPoint }
  | { readonly kind: 'disk-full'; readonly point: CrashPoint };

export type FaultKind = Fault['kind'];

/** A reading command started while the nightly runs. */
export interface ReaderStart {
  readonly command: ReaderCommand;
  /** When it starts, as a share of the night's usual duration. */
  readonly fraction: number;
  /** FANGST_LOCK_WAIT: 0 makes a reader that finds the nightly give up at once (exit 75). */
  readonly lockWaitSeconds: number;
}

export const READER_COMMANDS = ['monitor', 'checks report', 'campaign'] as const;
export type ReaderCommand = (typeof READER_COMMANDS)[number];

/** One attempt at a night: the fault it suffers (none for the attempt that is left alone) and its readers. */
export interface Attempt {
  readonly fault: Fault | null;
  readonly readers: readonly ReaderStart[];
}

/**
 * Points where ENOSPC means a full disk and not a bug of ours: a point before the lock is taken
 * has nothing to write yet, and `lock-takeover` is reached only when a killed run left its lock.
 */
const DISK_POINTS: readonly CrashPoint[] = CRASH_POINTS.filter((p) => p !== 'lock-takeover' && p !== 'after-lock');

/** Share of attempts that suffer a fault; a night suffers at most this many before it is left alone. */
const FAULT_CHANCE = 0.5;
const MAX_FAULTS_A_NIGHT = 3;
/** Share of attempts with concurrent readers, and at most how many. */
const READER_CHANCE = 0.5;
const MAX_READERS = 3;

export function drawFault(random: Random): Fault {
  const r = random();
  if (r < 0.4) return { kind: 'kill-at-moment', fraction: 0.05 + random() * 0.9 };
  if (r < 0.75) return { kind: 'kill-at-point', point: pick(random, CRASH_POINTS) };
  return { kind: 'disk-full', point: pick(random, DISK_POINTS) };
}

export function drawReaders(random: Random): ReaderStart[] {
  if (random() >= READER_CHANCE) return [];
  const n = 1 + Math.floor(random() * MAX_READERS);
  return Array.from({ length: n }, () => ({
    command: pick(random, READER_COMMANDS),
    fraction: random(),
    lockWaitSeconds: random() < 0.5 ? 0 : 30,
  }));
}

/**
 * The attempts of one night: faulty ones (each following fault less likely than the last, as a
 * night where things keep going wrong is rarer), then one left alone, which must finish it.
 */
export function planNight(random: Random): Attempt[] {
  const attempts: Attempt[] = [];
  while (attempts.length < MAX_FAULTS_A_NIGHT && random() < FAULT_CHANCE / (attempts.length + 1)) {
    attempts.push({ fault: drawFault(random), readers: drawReaders(random) });
  }
  attempts.push({ fault: null, readers: drawReaders(random) });
  return attempts;
}
