// Complementary suppression (quality/report-kit/protect-table.ts): on hand-made and random
// tables, no hidden count of 1-4 can be recomputed, and a table without small counts loses nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TableBuilder, protectTable, recoverableCells, type AdditiveRelation } from '../../quality/report-kit/protect-table.ts';

/** A two-way table with row totals, column totals and a grand total, as a report shows it. */
function twoWay(values: readonly (readonly number[])[]) {
  const t = new TableBuilder();
  const rows = values.length;
  const cols = values[0]!.length;
  const cell = (r: number, c: number) => `c${r}.${c}`;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t.cell(cell(r, c), values[r]![c]!);
  for (let r = 0; r < rows; r++) t.cell(`row${r}`, values[r]!.reduce((s, v) => s + v, 0));
  for (let c = 0; c < cols; c++) t.cell(`col${c}`, values.reduce((s, row) => s + row[c]!, 0));
  t.cell('all', values.flat().reduce((s, v) => s + v, 0));
  for (let r = 0; r < rows; r++) t.sum(`row${r}`, Array.from({ length: cols }, (_, c) => cell(r, c)));
  for (let c = 0; c < cols; c++) t.sum(`col${c}`, Array.from({ length: rows }, (_, r) => cell(r, c)));
  t.sum('all', Array.from({ length: rows }, (_, r) => `row${r}`));
  t.sum('all', Array.from({ length: cols }, (_, c) => `col${c}`));
  return t;
}

/** The attack of one relation at a time: a relation with one hidden member gives it back. */
function differencing(cells: ReadonlyMap<string, number>, relations: readonly AdditiveRelation[], hidden: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const r of relations) {
    const members = [r.total, ...r.parts];
    const unknown = members.filter((m) => hidden.has(m));
    if (unknown.length !== 1) continue;
    const id = unknown[0]!;
    const shown = (m: string) => cells.get(m)!;
    const value = id === r.total ? r.parts.reduce((s, p) => s + shown(p), 0) : shown(r.total) - r.parts.filter((p) => p !== id).reduce((s, p) => s + shown(p), 0);
    if (value === cells.get(id)) out.push(id);
  }
  return out;
}

describe('protectTable', () => {
  it('hides a complement in the row, the column and the margins of a lone small cell', () => {
    const t = twoWay([
      [20, 3, 15],
      [10, 12, 30],
      [8, 9, 40],
    ]);
    const p = t.protect();
    expect([...p.primary]).toEqual(['c0.1']);
    // the 3 needs a partner in its row and its column, and they need partners of their own
    expect(p.hidden.has('c0.1')).toBe(true);
    expect(p.hidden.size).toBeGreaterThanOrEqual(4);
    expect(differencing(t.cells, t.relations, p.hidden)).toEqual([]);
    expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
    // the grand total and the largest cells stay
    expect(p.isShown('all')).toBe(true);
    expect(p.isShown('c2.2')).toBe(true);
  });

  it('a part not listed becomes an unknown of its own: 1-4 unregistered clinics are protected', () => {
    const t = new TableBuilder();
    t.cell('national', 100);
    t.cell('registered', 97);
    t.sum('national', ['registered']);
    const p = t.protect();
    // national - registered = 3: one of the two shown totals has to go
    expect(p.isShown('national') && p.isShown('registered')).toBe(false);
  });

  it('a whole period and its months: one small month hides a second month', () => {
    const t = new TableBuilder();
    const months = [40, 2, 33, 50];
    months.forEach((v, i) => t.cell(`m${i}`, v));
    t.cell('whole', 125);
    t.sum('whole', months.map((_, i) => `m${i}`));
    const p = t.protect();
    expect([...p.hidden].sort()).toEqual(['m1', 'm2']);
  });

  it('on random tables every small cell stays protected against differencing and linear algebra', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((rows) =>
          fc.integer({ min: 1, max: 6 }).chain((cols) =>
            fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 200 })), { minLength: cols, maxLength: cols }), {
              minLength: rows,
              maxLength: rows,
            }),
          ),
        ),
        (values) => {
          const t = twoWay(values);
          const p = t.protect();
          for (const id of p.primary) expect(p.hidden.has(id)).toBe(true);
          expect(differencing(t.cells, t.relations, p.hidden).filter((id) => t.cells.get(id) !== 0)).toEqual([]);
          const exposed = recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden });
          expect(exposed.filter((id) => p.primary.has(id))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on random tables without counts of 1-4 nothing is hidden', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 500 })), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
        (values) => {
          const p = twoWay(values).protect();
          expect([...p.hidden]).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('relations given directly work the same as through the builder', () => {
    const cells = new Map([['t', 10], ['a', 2], ['b', 8]]);
    const p = protectTable({ cells, relations: [{ total: 't', parts: ['a', 'b'] }] });
    expect([...p.hidden].sort()).toEqual(['a', 'b']);
  });
});
