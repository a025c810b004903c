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
    const national = quality.results.filter((r) => r.kind === kind && r.scopeLevel === 'national' && r.severity === 'error');
    const failed = national.filter((r) => r.checkScope === 'aggregate' && r.outcome !== 'passed');
    if (failed.length) {
      out.set(kind, { checkIds: failed.map((r) => r.checkId), reasons: failed.map((r) => r.message ?? r.checkId) });
      continue;
    }
    // No aggregate check failed: a guard that must run before the kind publishes (the CPR
    // detector) could not. Named, so the quarantined rows and the summary say why.
    const unchecked = national.filter((r) => r.outcome === 'not_evaluated');
    out.set(kind, { checkIds: unchecked.map((r) => r.checkId), reasons: unchecked.map((r) => `${r.checkId} could not run${r.message ? `: ${r.message}` : ''}`) });
  }
  return out;
}
