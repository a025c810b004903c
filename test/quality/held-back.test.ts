// Why a kind is held back, as accept writes it on every quarantined row and the summary names it.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../quality/definitions.ts';
import type { QualityRun } from '../../quality/engine.ts';
import { heldBackKinds } from '../../quality/held-back.ts';

const result = (over: Partial<CheckResult>): CheckResult => ({
  checkId: 'x', kind: 'diagnoser', type: 'pattern', category: 'conformance', checkScope: 'row', severity: 'error',
  scopeLevel: 'national', scopeValue: null, numerator: 0, denominator: 10, percent: 0, outcome: 'passed', threshold: '0', message: null, ...over,
} as CheckResult);

describe('heldBackKinds', () => {
  it('names the failed aggregate checks at error severity, not the row checks or warnings', () => {
    const run = { heldBackKinds: ['diagnoser'], alerts: [], results: [
      result({ checkId: 'diagnoser.sks_format', outcome: 'failed' }),
      result({ checkId: 'diagnoser.sks_format_systemic', checkScope: 'aggregate', outcome: 'failed', message: 'too many malformed codes' }),
      result({ checkId: 'diagnoser.sks_format_systemic', checkScope: 'aggregate', outcome: 'failed', scopeLevel: 'system', scopeValue: 'NOVAX' }),
      result({ checkId: 'diagnoser.marked_share', checkScope: 'aggregate', severity: 'warn', outcome: 'warned' }),
      result({ checkId: 'privacy.cpr_diagnoser', outcome: 'passed' }),
    ] } as unknown as QualityRun;
    expect([...heldBackKinds(run)]).toEqual([['diagnoser', { checkIds: ['diagnoser.sks_format_systemic'], reasons: ['too many malformed codes'] }]]);
  });

  it('names the guard that could not run when no aggregate check failed (the CPR detector)', () => {
    const run = { heldBackKinds: ['epikriser'], alerts: [], results: [
      result({ checkId: 'epikriser.written_date_present', kind: 'epikriser' }),
      result({ checkId: 'privacy.cpr_epikriser', kind: 'epikriser', type: 'no_cpr', outcome: 'not_evaluated', message: 'macro has_cpr is not loaded' }),
    ] } as unknown as QualityRun;
    expect(heldBackKinds(run).get('epikriser')).toEqual({
      checkIds: ['privacy.cpr_epikriser'], reasons: ['privacy.cpr_epikriser could not run: macro has_cpr is not loaded'],
    });
  });
});
