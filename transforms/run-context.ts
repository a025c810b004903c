import type { Logger } from 'pino';
import type { PublishPoint } from './publish/batch.ts';

/** The points of a run's data path at which the caller is told it got there (the crash tests kill the process there). */
export type PipelinePoint =
  | 'after-hashing' | 'mid-staging' | 'after-staging' | 'after-transforms' | 'before-commit'
  | PublishPoint;

/** What every step of one run needs to know: who it is, when, where to log, whom to tell where it got. */
export interface RunContext {
  readonly runId: string;
  readonly batchId: string;
  /** The time the run pretends it is (a replay's or a test's clock). */
  readonly now: Date;
  readonly log: Logger;
  readonly reach: (point: PipelinePoint) => void;
  /** Where the run's step timings are collected (run_results.json), besides the log. */
  readonly steps?: StepTime[];
}

/** One step of a run and how long it took (wall clock). */
export interface StepTime {
  readonly step: string;
  readonly ms: number;
}

/** When the last step recorded in a run's list ended: the timers of one run share it, so steps never overlap. */
const lastEnd = new WeakMap<StepTime[], number>();

/**
 * Logs how long each step of the run took (where a slow night went), and adds it to `steps` when
 * given. Timers given the same list measure each step from the end of the one before, whichever
 * timer recorded it (the transforms' own steps are not counted again in the checks').
 */
export function stepTimer(log: Logger, steps?: StepTime[]) {
  let last = performance.now();
  return (step: string, fields: Record<string, unknown> = {}) => {
    const now = performance.now();
    const from = steps ? Math.max(last, lastEnd.get(steps) ?? last) : last;
    const ms = Math.round(now - from);
    log.info({ step, ms, ...fields }, `step ${step} done`);
    if (steps) {
      steps.push({ step, ms });
      lastEnd.set(steps, now);
    }
    last = now;
  };
}
