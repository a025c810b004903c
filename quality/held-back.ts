import type { QualityRun } from './engine.ts';

/** Why a data kind's whole batch is held back: the failed error-severity aggregate checks. */
export interface HeldBack {
  readonly checkIds: string[];
  readonly reasons: string[];
}

/**
 * The kinds a run's checks hold back, each with the national aggregate checks at error severity
 * that did not pass: what accept quarantines the kind's rows with, and what the summary names.
 */
export function heldBackKinds(quality: QualityRun): Map<string, HeldBack> {
  const out = new Map<string, HeldBack>();
  for (const kind of quality.heldBackKinds) {
    const failed = quality.results.filter((r) => r.kind === kind && r.scopeLevel === 'national' && r.checkScope === 'aggregate'
      && r.severity === 'error' && r.outcome !== 'passed');
    out.set(kind, { checkIds: failed.map((r) => r.checkId), reasons: failed.map((r) => r.message ?? r.checkId) });
  }
  return out;
}
