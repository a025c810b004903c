// `fangst checks --select/--exclude`: selectors by id (with *), kind, category and tag, on the
// shipped checks; a selector that matches nothing is an error, never an empty selection.
import { describe, expect, it } from 'vitest';
import { NotFound, UsageError } from '../../config/errors.ts';
import { defaultChecksDir, loadChecks } from '../../quality/engine.ts';
import { selectChecks } from '../../quality/select.ts';

const checks = await loadChecks(defaultChecksDir);
const ids = (select: string[], exclude: string[] = []) => selectChecks(checks, select, exclude).map((c) => c.id);

describe('selecting checks', () => {
  it('by tag: the A/B marking checks tagged campaign', () => {
    expect(ids(['tag:campaign'])).toEqual(['diagnoser.kind_spelling', 'diagnoser.ab_marking_by_system', 'diagnoser.ab_marking_by_clinic', 'diagnoser.marked_share']);
  });
  it('by id with *, by kind and by category, as prefixed or bare words; several add up', () => {
    expect(ids(['id:diagnoser.sks_*'])).toEqual(['diagnoser.sks_format', 'diagnoser.sks_format_systemic', 'diagnoser.sks_exists']);
    expect(ids(['kind:notater'])).toEqual(checks.filter((c) => c.kind === 'notater').map((c) => c.id));
    expect(ids(['privacy'])).toEqual(checks.filter((c) => c.category === 'privacy').map((c) => c.id));
    expect(ids(['diagnoser.volume,diagnoser.freshness'])).toEqual(['diagnoser.volume', 'diagnoser.freshness']);
  });
  it('--exclude takes checks away from the selection, or from all of them', () => {
    expect(ids(['tag:campaign'], ['diagnoser.kind_spelling', 'id:*_by_clinic'])).toEqual(['diagnoser.ab_marking_by_system', 'diagnoser.marked_share']);
    expect(ids([], ['kind:laboratoriesvar', 'kind:diagnoser']).some((id) => id.startsWith('diagnoser.') || id.startsWith('laboratoriesvar.'))).toBe(false);
    expect(ids([])).toHaveLength(checks.length);
  });
  it('a selector matching nothing, or an unknown field, is an error naming it', () => {
    expect(() => ids(['tag:campaing'])).toThrow(NotFound);
    expect(() => ids(['tag:campaing'])).toThrow('no such check matching: tag:campaing');
    expect(() => ids(['severity:error'])).toThrow(UsageError);
    expect(() => ids(['severity:error'])).toThrow('--select: found "severity:error", expected a selector: id:VALUE, kind:VALUE, category:VALUE, tag:VALUE');
  });
});
