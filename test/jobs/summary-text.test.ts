// The run summary's line about the clinic register, in the number a reader counts.
import { describe, expect, it } from 'vitest';
import { formatSummary, type RunSummary } from '../../jobs/summary.ts';

const summary = (clinics: number): RunSummary => ({
  runId: 'r1', batchId: 'b1', report: null, skipped: [], heldBack: [], alerts: [], byKind: [],
  totals: { read: 0, published: 0, quarantined: 0, rejected: 0 },
  files: [{ file: 'register/klinikregister.csv', kind: 'register', system: null, read: clinics, published: clinics, quarantined: 0, rejected: 0, error: null }],
});

describe('the clinic register line', () => {
  it('says 1 clinic, and 2 clinics', () => {
    expect(formatSummary(summary(1))).toContain('clinic register: 1 clinic from register/klinikregister.csv');
    expect(formatSummary(summary(2))).toContain('clinic register: 2 clinics from register/klinikregister.csv');
  });
});
