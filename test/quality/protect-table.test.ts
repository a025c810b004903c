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

/**
 * The attack with a lower bound: every part is a listed row, so at least 1. Where a relation's
 * total is known and its unknown parts add up to their number, each is 1: the cells of 1 so
 * given back (only where every unknown part is 1, as the reader's inference is then right).
 */
function boundsAttack(cells: ReadonlyMap<string, number>, relations: readonly AdditiveRelation[], hidden: ReadonlySet<string>): string[] {
  const determined = new Set(recoverableCells({ cells, relations, hidden }));
  const known = (m: string) => !hidden.has(m) || determined.has(m);
  const out: string[] = [];
  for (const r of relations) {
    if (!known(r.total)) continue;
    const unknown = r.parts.filter((p) => !known(p));
    if (unknown.length < 2) continue;
    const sum = cells.get(r.total)! - r.parts.filter(known).reduce((s, p) => s + cells.get(p)!, 0);
    if (sum === unknown.length && unknown.every((p) => cells.get(p) === 1)) out.push(...unknown);
  }
  return [...new Set(out)];
}

describe('protectTable', () => {
  // An outside reviewer recomputed 18 hidden counts of 1 from lab-quality's summary.json: an
  // analysis' 106 results with a value (its shown unit's 88 over their share), 18 other units
  // listed, each hidden; 106 - 88 = 18 over 18 units of at least one result each.
  it('hides more than the 1s of a relation whose hidden parts, all 1, add up to their number', () => {
    const t = new TableBuilder();
    t.cell('valued', 106);
    t.cell('unit.mmol', 88);
    for (let i = 0; i < 18; i++) t.cell(`unit.${i}`, 1);
    t.sum('valued', ['unit.mmol', ...Array.from({ length: 18 }, (_, i) => `unit.${i}`)]);
    const p = t.protect();
    expect(boundsAttack(t.cells, t.relations, p.hidden)).toEqual([]);
    expect(p.isShown('unit.mmol') && p.isShown('valued')).toBe(false);
    // two 1s beside a 2 are no such relation: their sum, 4, is more than their number
    const u = new TableBuilder();
    u.cell('all', 50);
    u.cell('big', 46);
    u.cell('a', 1);
    u.cell('b', 1);
    u.cell('c', 2);
    u.sum('all', ['big', 'a', 'b', 'c']);
    const q = u.protect();
    expect(q.isShown('big') && q.isShown('all')).toBe(true);
  });

  it('on random tables no hidden 1s are given back by their sum and a lower bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((rows) =>
          fc.integer({ min: 1, max: 6 }).chain((cols) =>
            fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 5, max: 200 })), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
          ),
        ),
        (values) => {
          const t = twoWay(values);
          const p = t.protect();
          expect(boundsAttack(t.cells, t.relations, p.hidden)).toEqual([]);
          expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

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
          // no hidden cell at all, small or complement, can be recomputed
          expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts cells known from another output as shown: no small count is recomputed with them, and small known ones are not shown', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((rows) =>
          fc.integer({ min: 1, max: 5 }).chain((cols) =>
            fc.record({
              values: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 200 })), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
              // which row totals (and whether the grand total) a reader has from elsewhere, as a batch's published rows
              knownRows: fc.array(fc.boolean(), { minLength: rows, maxLength: rows }),
              knownAll: fc.boolean(),
            }),
          ),
        ),
        ({ values, knownRows, knownAll }) => {
          const t = twoWay(values);
          knownRows.forEach((k, r) => k && t.known.add(`row${r}`));
          if (knownAll) t.known.add('all');
          const p = t.protect();
          const small = (id: string) => { const v = t.cells.get(id)!; return v >= 1 && v <= 4; };
          // what the reader does not have: hidden here and not known from elsewhere
          const unknown = new Set([...p.hidden].filter((id) => !t.known.has(id)));
          // counts no suppression can protect: the known cells alone determine them
          const lost = new Set(recoverableCells({ cells: t.cells, relations: t.relations, hidden: new Set([...t.cells.keys()].filter((id) => !t.known.has(id))) }));
          for (const id of t.cells.keys()) if (small(id)) expect(p.isShown(id), id).toBe(false);
          const exposed = recoverableCells({ cells: t.cells, relations: t.relations, hidden: unknown }).filter((id) => small(id) && !t.known.has(id) && !lost.has(id));
          expect(exposed).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a journal system of one clinic is that clinic: hidden together, and the national figures stay', () => {
    // national = three systems per month and over the period; the system of one clinic has a small month
    const t = new TableBuilder();
    const months = ['m1', 'm2', 'm3'];
    const clinics: Record<string, Record<string, number[]>> = {
      solo: { s1: [2, 30, 25] },
      duo: { d1: [40, 35, 50], d2: [22, 3, 31] },
      trio: { t1: [60, 70, 65], t2: [15, 18, 20], t3: [9, 12, 14] },
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    for (const [period, i] of [...months.map((m, k) => [m, k] as const), ['whole', -1] as const]) {
      const at = (v: number[]) => (i < 0 ? sum(v) : v[i]!);
      const systems = Object.entries(clinics).map(([sys, cs]) => {
        const parts = Object.entries(cs).map(([c, v]) => t.cell(`${c}|${period}`, at(v)));
        t.cell(`${sys}|${period}`, sum(parts.map((id) => t.cells.get(id)!)));
        t.sum(`${sys}|${period}`, parts);
        return `${sys}|${period}`;
      });
      t.cell(`national|${period}`, sum(systems.map((id) => t.cells.get(id)!)));
      t.sum(`national|${period}`, systems);
    }
    for (const id of ['national', 'solo', 'duo', 'trio', 's1', 'd1', 'd2', 't1', 't2', 't3']) t.sum(`${id}|whole`, months.map((m) => `${id}|${m}`));
    const p = t.protect();
    expect(p.isShown('s1|m1') || p.isShown('solo|m1')).toBe(false);
    expect(p.isShown('d2|m2')).toBe(false);
    for (const period of [...months, 'whole']) expect(p.isShown(`national|${period}`)).toBe(true);
    expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
    expect(differencing(t.cells, t.relations, p.hidden)).toEqual([]);
    // two small counts in 40 cells: most of the table is still shown
    expect(p.hidden.size).toBeLessThanOrEqual(20);
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

  it('a campaign of six small clinics keeps part of the table: complements need not be secrets themselves', () => {
    // Per clinic and month: A, B and unmarked diagnoses. Groups: each clinic's journal system and
    // specialty, and national; per group and period diagnoses = A + B + unmarked, marked = A + B;
    // the whole period is the sum of the months; a group is the sum of its clinics. Three of the
    // systems have one clinic, one clinic has 1-2 diagnoses a month: the way a scale-0.01
    // history looks. Protecting every complement as if it were a small count hid all 375 cells.
    const clinics: [string, string, string, [number, number, number][]][] = [
      ['big1', 'NOVAX', '24', [[50, 10, 20], [55, 12, 18], [60, 3, 25], [52, 9, 22]]],
      ['big2', 'NOVAX', '19', [[80, 20, 30], [75, 15, 28], [90, 18, 35], [85, 2, 30]]],
      ['dental', 'EG Dental', '9', [[1, 0, 0], [1, 0, 1], [2, 0, 0], [1, 0, 0]]],
      ['my', 'MyClinic', '24', [[4, 1, 0], [4, 0, 1], [5, 1, 0], [4, 1, 0]]],
      ['dmdc', 'DMDC', '24', [[0, 0, 12], [0, 0, 16], [0, 0, 18], [0, 0, 18]]],
      ['cgm', 'CGM XMO', '24', [[4, 0, 43], [6, 0, 60], [3, 0, 52], [5, 0, 63]]],
    ];
    const t = new TableBuilder();
    const months = [0, 1, 2, 3];
    const measures = ['a', 'b', 'unmarked', 'marked', 'diagnoses'] as const;
    const of = ([a, b, u]: [number, number, number], m: (typeof measures)[number]) =>
      ({ a, b, unmarked: u, marked: a + b, diagnoses: a + b + u })[m];
    const groups = new Map<string, string[]>();
    for (const [c, system, specialty] of clinics) {
      for (const g of [c, `system:${system}`, `specialty:${specialty}`, 'national']) groups.set(g, [...(groups.get(g) ?? []), c]);
    }
    const id = (g: string, period: string, m: string) => `${g}|${period}|${m}`;
    const value = (members: string[], period: number | null, m: (typeof measures)[number]) => members.reduce((sum, c) => {
      const counts = clinics.find((x) => x[0] === c)![3];
      return sum + (period === null ? counts.reduce((s, v) => s + of(v, m), 0) : of(counts[period]!, m));
    }, 0);
    const periods = [...months, null];
    const label = (period: number | null) => (period === null ? 'whole' : `m${period}`);
    for (const [g, members] of groups) for (const period of periods) for (const m of measures) t.cell(id(g, label(period), m), value(members, period, m));
    for (const [g, members] of groups) {
      for (const period of periods) {
        const p = label(period);
        t.sum(id(g, p, 'diagnoses'), [id(g, p, 'a'), id(g, p, 'b'), id(g, p, 'unmarked')]);
        t.sum(id(g, p, 'marked'), [id(g, p, 'a'), id(g, p, 'b')]);
        t.sum(id(g, p, 'diagnoses'), [id(g, p, 'marked'), id(g, p, 'unmarked')]);
        if (members.length > 1 || members[0] !== g) for (const m of measures) t.sum(id(g, p, m), members.map((c) => id(c, p, m)));
      }
      for (const m of measures) t.sum(id(g, 'whole', m), months.map((k) => id(g, `m${k}`, m)));
    }
    const p = t.protect();
    for (const c of p.primary) expect(p.hidden.has(c)).toBe(true);
    expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
    expect(differencing(t.cells, t.relations, p.hidden).filter((c) => t.cells.get(c) !== 0)).toEqual([]);
    expect(t.cells.size).toBe(375);
    expect(p.hidden.size).toBeLessThan(300);
    expect(['diagnoses', 'a', 'b', 'marked'].filter((m) => p.isShown(id('national', 'whole', m))).length).toBeGreaterThan(0);
  });

  it('relations given directly work the same as through the builder', () => {
    const cells = new Map([['t', 10], ['a', 2], ['b', 8]]);
    const p = protectTable({ cells, relations: [{ total: 't', parts: ['a', 'b'] }] });
    expect([...p.hidden].sort()).toEqual(['a', 'b']);
  });
});

/**
 * A campaign's table as the shareable campaign protects it: clinics of journal systems, months
 * and the whole period, diagnoses = A + B + unmarked and marked = A + B, a system the sum of its
 * clinics and national the sum of the systems. Small clinics and months without B give counts
 * of 1-4 and zeros, as a national history does.
 */
function campaignShaped(seed: number, systems: number, clinicsPerSystem: number, months: number) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const t = new TableBuilder();
  const periods = [...Array.from({ length: months }, (_, m) => `m${m}`), 'whole'];
  const measures = ['diagnoses', 'a', 'b', 'unmarked', 'marked'] as const;
  const id = (group: string, period: string, measure: string) => `${group}|${period}|${measure}`;
  const values = new Map<string, Record<(typeof measures)[number], number>>();
  const add = (group: string, period: string, v: { a: number; b: number; unmarked: number }) => {
    const key = `${group}|${period}`;
    const was = values.get(key) ?? { diagnoses: 0, a: 0, b: 0, unmarked: 0, marked: 0 };
    values.set(key, { diagnoses: was.diagnoses + v.a + v.b + v.unmarked, a: was.a + v.a, b: was.b + v.b, unmarked: was.unmarked + v.unmarked, marked: was.marked + v.a + v.b });
  };
  const clinicsOf = new Map<string, string[]>();
  for (let s = 0; s < systems; s++) {
    clinicsOf.set(`sys${s}`, []);
    for (let c = 0; c < clinicsPerSystem; c++) {
      const clinic = `clinic${s}.${c}`;
      clinicsOf.get(`sys${s}`)!.push(clinic);
      const size = random() < 0.2 ? 3 : 20 + Math.floor(random() * 300);
      for (let m = 0; m < months; m++) {
        const n = Math.floor(size * (0.5 + random()));
        const a = Math.floor(n * random() * 0.7);
        const b = random() < 0.3 ? Math.floor(random() * 3) : Math.floor((n - a) * random() * 0.5);
        const v = { a, b, unmarked: Math.max(0, n - a - b) };
        for (const [group, period] of [[clinic, `m${m}`], [clinic, 'whole'], [`sys${s}`, `m${m}`], [`sys${s}`, 'whole'], ['national', `m${m}`], ['national', 'whole']] as const) add(group, period, v);
      }
    }
  }
  for (const [key, v] of values) for (const m of measures) t.cell(`${key}|${m}`, v[m]);
  for (const key of values.keys()) {
    const [group, period] = key.split('|') as [string, string];
    t.sum(id(group, period, 'diagnoses'), [id(group, period, 'a'), id(group, period, 'b'), id(group, period, 'unmarked')]);
    t.sum(id(group, period, 'marked'), [id(group, period, 'a'), id(group, period, 'b')]);
    if (period === 'whole') for (const m of measures) t.sum(id(group, 'whole', m), periods.slice(0, -1).map((p) => id(group, p, m)));
  }
  for (const period of periods) {
    for (const m of measures) {
      t.sum(id('national', period, m), [...clinicsOf.keys()].map((s) => id(s, period, m)));
      for (const [s, clinics] of clinicsOf) t.sum(id(s, period, m), clinics.map((c) => id(c, period, m)));
    }
  }
  return t;
}

describe('protectTable on a campaign-shaped table', () => {
  it('protects every small count in a few audits: each hides a count that enters the combination that solves a cell', () => {
    const t = campaignShaped(17, 6, 20, 12);
    const p = t.protect();
    expect(p.primary.size).toBeGreaterThan(100);
    expect(recoverableCells({ cells: t.cells, relations: t.relations, hidden: p.hidden })).toEqual([]);
    // a national campaign's audit takes seconds: picks that enter no solving combination would
    // take it round after round (two of these rounds are the lower bound's, step 4b)
    expect(p.audits).toBeLessThanOrEqual(10);
    for (const period of ['m0', 'm5', 'whole']) expect(p.isShown(`national|${period}|diagnoses`)).toBe(true);
  });
});
