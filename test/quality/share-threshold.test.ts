import { describe, expect, it } from 'vitest';
import { loadChecks, thresholdText } from '../../quality/engine.ts';

// A reviewer read "ab_marking_by_clinic 4,937 of 7,419 (66.5%)" against "at least 1" as a share of
// 1%: the threshold of a share check says what is counted and in which groups.
describe("a share check's threshold in words", () => {
  it('names rows and groups for a count, the percent and groups for a share', async () => {
    const checks = new Map((await loadChecks()).map((c) => [c.id, c]));
    const text = (id: string) => thresholdText(checks.get(id)!);
    expect(text('diagnoser.ab_marking_by_clinic')).toBe('at least 1 row in every clinic');
    expect(text('diagnoser.ab_marking_by_system')).toBe('at least 1 row in every journal system');
    expect(text('diagnoser.marked_share')).toBe('at least 50% in every journal system');
  });
});
