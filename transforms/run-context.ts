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
}

/** Logs how long each step of the run took: where a slow night went. */
export function stepTimer(log: Logger) {
  let last = performance.now();
  return (step: string, fields: Record<string, unknown> = {}) => {
    const now = performance.now();
    log.info({ step, ms: Math.round(now - last), ...fields }, `step ${step} done`);
    last = now;
  };
}
