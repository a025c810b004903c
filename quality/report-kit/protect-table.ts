// Complementary suppression: which cells of a shareable table to hide so that no count of 1-4
// can be recomputed from what is shown beside it.
//
// A table is a set of named counts (cells) and the additive relations between them that a
// reader can see or infer: a total and its parts (a row and its cells, national and its
// systems, a whole period and its months, diagnoses = A + B + unmarked). Hiding a count of 1-4
// (the primary cells) protects nothing when it is the only unknown of such a relation: the total
// minus the shown parts gives it back. The standard remedy of statistical offices is to hide
// further cells (the complement) until every relation holding a hidden cell holds at least two.
//
// First, a total with a single part is that part under another name (a journal system of one
// clinic, a specialty of one clinic): the two become one cell, hidden or shown together. Kept
// apart, each would need a complement of its own for the other, and every relation of either a
// third, which on a small history cascaded until nothing was shown.
//
// The heuristic, to a fixed point:
//  1. hide every primary cell (1-4), and count cells that are not shown at all as hidden;
//  2. for every relation whose only hidden member is a primary or complementary cell, hide its
//     smallest shown part that is not 0 (least information lost; a 0 hides nothing, a reader
//     knows a count is never below 0), preferring parts that total the fewest others, then
//     parts that do not leave another relation with its total as the only other count; the
//     total only when no part is left. It becomes a complementary cell;
//  3. repeat 2 until no relation changes;
//  4. audit the result as an attacker with linear algebra would: solve the system of every
//     relation over the hidden cells (Gaussian elimination, one connected group of hidden cells at
//     a time) and find every primary cell that combinations of relations determine exactly; for
//     each, hide a shown count that enters the combination that solves it (the one that totals
//     the fewest others, then the smallest; a 0 never), else the smallest shown part of one of
//     its own relations (a total only when none is left), else of any relation of its group of
//     hidden cells tied by relations (a 0 only when nothing else is); a cell still solved after
//     three audits gets every count of its combination hidden at once; go back to 2;
//  4b. when the linear audit finds nothing, audit once more with a lower bound: a part is a row
//     that is listed, so at least 1; two or more unknown parts that are all 1 beside a known
//     total are given back by their sum (it equals their number). Hide the smallest shown part of
//     such a relation (the total when none is left) and go back to 2;
//  5. show again every complementary cell that the shown cells determine anyway: hiding it
//     protects nothing, and showing what a reader can compute tells nothing new (the determined
//     cells stay the same), so no hidden cell is left that can be recomputed.
// A cell a reader may know from another output (the campaign shows the published diagnoses the
// quality report counts among its rows checked) is counted as shown by the heuristic and the
// audit, whether this output shows it or not: it is never a complement, since hiding it here
// hides nothing from whoever holds the other output.
// Only primary cells have to stay undetermined: a complement is no secret, it is hidden to keep a
// small count from being recomputed, and the audit checks exactly that. Requiring complements to
// be undetermined as well (as this function once did) hid complements of complements until a
// scale-0.01 campaign showed nothing at all, national figures included.
// Shares, trends and chart geometry are not cells: a share is shown only when its numerator
// and denominator both are (shareVisible), so it never tells more than the counts.
import { isSmallCount } from './suppress.ts';

/** A total and the parts that add up to it, by cell id. */
export interface AdditiveRelation {
  readonly total: string;
  readonly parts: readonly string[];
}

export interface TableToProtect {
  /** Every cell's true count. */
  readonly cells: ReadonlyMap<string, number>;
  readonly relations: readonly AdditiveRelation[];
  /** Cells the output does not show anyway (they are unknowns to a reader, and never primary). */
  readonly notShown?: Iterable<string>;
  /**
   * Cells a reader may know from another output (the campaign's published diagnoses): the
   * audit counts them as shown, so they never protect a small count as a complement; one of
   * 1-4 is still not shown here.
   */
  readonly known?: Iterable<string>;
}

export interface ProtectedTable {
  /** Cells of 1-4. */
  readonly primary: ReadonlySet<string>;
  /** Every cell the output must not show: primary, complementary and those not shown anyway. */
  readonly hidden: ReadonlySet<string>;
  /** Primary cells and the complementary cells hidden for them: none of them can be recomputed from what is shown. */
  readonly sensitive: ReadonlySet<string>;
  isShown(id: string): boolean;
  /** How many audits (step 4) it took: each solves every relation over the hidden cells. */
  readonly audits: number;
}

/**
 * A table that hides nothing: for an output that stays with its maker (lab-quality's own report),
 * which shows every count, 1-4 included.
 */
export function showEverything(): ProtectedTable {
  const none = new Set<string>();
  return { primary: none, hidden: none, sensitive: none, isShown: () => true, audits: 0 };
}

/** Decides which cells to hide; see the header for the method. */
export function protectTable(table: TableToProtect): ProtectedTable {
  // cells named twice (a total with one part) as one, by union-find
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  for (const r of table.relations) {
    if (r.parts.length !== 1) continue;
    const a = find(r.total);
    const b = find(r.parts[0]!);
    if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
  }
  if (parent.size === 0) return protectCells(table);
  const members = new Map<string, string[]>();
  for (const id of table.cells.keys()) members.set(find(id), [...(members.get(find(id)) ?? []), id]);
  const seen = new Set<string>();
  const relations: AdditiveRelation[] = [];
  for (const r of table.relations) {
    const total = find(r.total);
    const parts = r.parts.map(find);
    if (parts.length === 1) continue;
    const key = [total, ...[...parts].sort()].join('\u0000');
    if (!seen.has(key)) relations.push({ total, parts });
    seen.add(key);
  }
  const notShown = new Set(table.notShown ?? []);
  const known = new Set(table.known ?? []);
  const one = protectCells({
    cells: new Map([...members.keys()].map((id) => [id, table.cells.get(id) ?? 0])),
    relations,
    // a cell is not shown when none of its names is, and known when one of them is
    notShown: [...members].filter(([, names]) => names.every((n) => notShown.has(n))).map(([id]) => id),
    known: [...members].filter(([, names]) => names.some((n) => known.has(n))).map(([id]) => id),
  });
  const named = (set: ReadonlySet<string>) => new Set([...set].flatMap((id) => members.get(id) ?? [id]));
  const hidden = new Set([...named(one.hidden), ...notShown]);
  return { primary: named(one.primary), hidden, sensitive: named(one.sensitive), isShown: (id) => !hidden.has(id), audits: one.audits };
}

function protectCells(table: TableToProtect): ProtectedTable {
  const { cells, relations } = table;
  // a rest cell of parts that add up to more than their total is negative: it weighs by size
  const valueOf = (id: string) => Math.abs(cells.get(id) ?? 0);
  const known = new Set(table.known ?? []);
  const primary = new Set([...cells].filter(([id, v]) => isSmallCount(v) && !known.has(id)).map(([id]) => id));
  const hidden = new Set<string>([...primary, ...[...(table.notShown ?? [])].filter((id) => !known.has(id))]);
  // a cell that can be hidden to protect another: neither hidden already nor known from elsewhere
  const hideable = (id: string) => !hidden.has(id) && !known.has(id);
  // What the heuristic keeps from being alone in a relation: the small cells and the complements
  // chosen for them (a complement alone is a cheap sign that the small count behind it can be
  // recomputed; the audit decides). A cell that is merely not shown is an unknown to a reader
  // but no secret: a relation whose only unknown it is needs no complement.
  const sensitive = new Set(primary);
  const membersOf = relations.map((r) => [r.total, ...r.parts]);

  const partOf = new Map<string, number[]>();
  relations.forEach((r, i) => r.parts.forEach((p) => partOf.set(p, [...(partOf.get(p) ?? []), i])));
  // Hiding a part that is the only count of another relation besides its total would force that
  // total to go too: such a part is taken after the others.
  const forcesTotal = (c: string) =>
    (partOf.get(c) ?? []).some((i) => {
      const members = membersOf[i]!;
      if (members.some((m) => hidden.has(m))) return false;
      return !members.slice(1).some((m) => m !== c && valueOf(m) !== 0);
    });
  // A cell that totals others (a month of a system, a whole period) costs a reader more than one
  // that totals nothing (a clinic's A-diagnoses of a month), and hiding it spreads further.
  const totalOf = new Map<string, number>();
  for (const r of relations) totalOf.set(r.total, (totalOf.get(r.total) ?? 0) + 1);
  const totals = (id: string) => totalOf.get(id) ?? 0;
  const better = (a: string, b: string | undefined) => {
    if (b === undefined) return true;
    if (totals(a) !== totals(b)) return totals(a) < totals(b);
    const fa = forcesTotal(a);
    const fb = forcesTotal(b);
    if (fa !== fb) return !fa;
    return valueOf(a) < valueOf(b) || (valueOf(a) === valueOf(b) && a < b);
  };
  // members[0] is the relation's total: it is taken only when no part can be, since totals are
  // what readers of a report need most and hiding one spreads to every table it totals
  const smallestShown = (members: readonly string[]): string | undefined => {
    let best: string | undefined;
    for (const m of members.slice(1)) {
      if (!hideable(m) || valueOf(m) === 0) continue;
      if (better(m, best)) best = m;
    }
    if (best === undefined && hideable(members[0]!) && valueOf(members[0]!) !== 0) best = members[0];
    return best;
  };
  const toFixedPoint = () => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const members of membersOf) {
        let hiddenCount = 0;
        let lone = '';
        for (const m of members) if (hidden.has(m)) {
          hiddenCount++;
          lone = m;
        }
        if (hiddenCount !== 1 || !sensitive.has(lone)) continue;
        const pick = smallestShown(members);
        if (pick !== undefined) {
          hidden.add(pick);
          sensitive.add(pick);
          changed = true;
        }
      }
    }
  };

  // The relations whose hidden parts a reader gets back from their sum and a lower bound: every
  // part a row that is listed, so at least 1. Where the unknown parts, two or more, are all 1 (or
  // 0) and the total is known (shown, or determined by what is), their sum equals their number and
  // gives every one of them. Cells the shown ones determine count as known.
  const boundExposed = (): string[][] => {
    const determined = new Set(recoverableCells({ cells, relations, hidden }));
    const unknown = (m: string) => hidden.has(m) && !determined.has(m);
    return membersOf.filter((members) => {
      if (unknown(members[0]!)) return false;
      const parts = members.slice(1).filter(unknown);
      return parts.length >= 2 && parts.some((m) => primary.has(m)) && parts.every((m) => valueOf(m) <= 1);
    }) as string[][];
  };

  // rounds in a row each primary cell has been found solved
  const stubborn = new Map<string, number>();
  let audits = 0;
  for (let round = 0; round < 10_000; round++) {
    toFixedPoint();
    audits++;
    const exposed = solve(relations, hidden, true).filter((s) => primary.has(s.cell));
    if (exposed.length === 0) {
      // Step 4b: a listed row has at least one: hidden parts that are all 1 beside a total the
      // reader knows are all given back, their sum being their number (106 results of an
      // analysis, 88 of them in one unit shown, 18 other units listed: each is 1).
      const lone = boundExposed();
      let more = false;
      for (const members of lone) {
        const pick = smallestShown(members);
        if (pick === undefined) continue;
        hidden.add(pick);
        sensitive.add(pick);
        more = true;
      }
      if (!more) break;
      continue;
    }
    // The relations that tie hidden cells together: a new unknown anywhere in the exposed cell's
    // group can break the combination that solves it, and a part there costs a reader less
    // than the totals of the exposed cell's own relations, whose parts are often all hidden.
    const root = hiddenGroups(membersOf, hidden);
    const picked = new Set<string>();
    for (const id of [...stubborn.keys()]) if (!exposed.some((s) => s.cell === id)) stubborn.delete(id);
    for (const { cell: id, witnesses } of exposed) {
      // A pick of this round that enters the cell's combination breaks it already; whether
      // another combination solves the cell, the next audit tells.
      if (witnesses.some((w) => picked.has(w))) continue;
      // A count that enters the combination that solves the cell: hiding it breaks that
      // combination. A part of one of the cell's own relations, or of any relation of its group,
      // may enter none, and on a national table every audit that follows such a pick costs seconds.
      // One of the cell's own relations first: a count far away in a large group of hidden cells
      // often only moves the solving combination to another path through the group.
      const own = new Set(membersOf.filter((ms) => ms.includes(id)).flat());
      let pick: string | undefined;
      for (const [near, zero] of [[true, false], [true, true], [false, false]]) {
        for (const w of witnesses) if (own.has(w) === near && (valueOf(w) === 0) === zero && hideable(w) && better(w, pick)) pick = w;
        if (pick !== undefined) break;
      }
      // A cell still solved after three rounds is solved along path after path through a large
      // group of hidden cells, one round (a whole audit) each: all of its combination goes at once.
      const rounds = (stubborn.get(id) ?? 0) + 1;
      stubborn.set(id, rounds);
      if (pick !== undefined && rounds > 3) {
        for (const w of witnesses) if (hideable(w) && valueOf(w) !== 0) {
          hidden.add(w);
          sensitive.add(w);
          picked.add(w);
        }
      }
      if (pick === undefined) {
        const ofCell = membersOf.filter((ms) => ms.includes(id)).map(smallestShown).filter((m): m is string => m !== undefined);
        ofCell.sort((a, b) => totals(a) - totals(b) || valueOf(a) - valueOf(b) || a.localeCompare(b));
        pick = ofCell[0];
      }
      const group = root(id);
      if (pick === undefined) {
        for (const members of membersOf) {
          if (!members.some((m) => hidden.has(m) && root(m) === group)) continue;
          for (const m of members.slice(1)) {
            if (!hideable(m) || valueOf(m) === 0) continue;
            if (better(m, pick)) pick = m;
          }
        }
      }
      if (pick === undefined) {
        // Only zeros are left to hide: a hidden 0 is an unknown to a reader like any other count.
        for (const members of membersOf) {
          if (!members.some((m) => hidden.has(m) && root(m) === group)) continue;
          for (const m of members) if (hideable(m) && (pick === undefined || totals(m) < totals(pick) || (totals(m) === totals(pick) && m < pick))) pick = m;
        }
      }
      if (pick !== undefined) {
        hidden.add(pick);
        sensitive.add(pick);
        picked.add(pick);
      }
    }
    if (picked.size === 0) break;
  }
  // Step 5: what the shown cells determine is no secret; showing it changes what is determined not at all.
  const notShown = new Set(table.notShown ?? []);
  for (const id of recoverableCells({ cells, relations, hidden })) {
    if (primary.has(id) || notShown.has(id)) continue;
    hidden.delete(id);
    sensitive.delete(id);
  }
  // a small count known elsewhere is still not shown here: the other output may be out of reach
  for (const id of known) if (isSmallCount(cells.get(id) ?? 0)) hidden.add(id);
  return { primary, hidden, sensitive, isShown: (id) => !hidden.has(id), audits };
}

/** Groups of hidden cells linked by relations (union-find); returns each cell's group. */
function hiddenGroups(membersOf: readonly (readonly string[])[], hidden: ReadonlySet<string>): (id: string) => string {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    if (!parent.has(x)) parent.set(x, x);
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const members of membersOf) {
    const h = members.filter((m) => hidden.has(m));
    for (const m of h.slice(1)) parent.set(find(m), find(h[0]!));
  }
  return find;
}

/**
 * The hidden cells that the shown cells and the relations determine exactly: what an attacker
 * gets by any combination of differences, not only one relation at a time. A hidden cell is
 * determined when its unit vector lies in the row space of the relations restricted to the
 * hidden cells (the shown cells only move the right-hand side).
 */
export function recoverableCells(table: { cells: ReadonlyMap<string, number>; relations: readonly AdditiveRelation[]; hidden: ReadonlySet<string> }): string[] {
  return solve(table.relations, table.hidden, false).map((s) => s.cell).sort();
}

interface Solved {
  readonly cell: string;
  /**
   * The shown cells whose counts enter the combination of relations that solves the cell (their
   * coefficients do not cancel): hiding any one of them breaks that combination.
   */
  readonly witnesses: readonly string[];
}

/** recoverableCells, with each solved cell's witnesses when asked for. */
function solve(relations: readonly AdditiveRelation[], hidden: ReadonlySet<string>, withWitnesses: boolean): Solved[] {
  // the relations' rows over hidden cells only, grouped into connected components
  const rows: Map<string, number>[] = [];
  const rowRelation: number[] = [];
  relations.forEach((r, i) => {
    const row = new Map<string, number>();
    const add = (id: string, c: number) => {
      if (!hidden.has(id)) return;
      const v = (row.get(id) ?? 0) + c;
      if (v === 0) row.delete(id);
      else row.set(id, v);
    };
    add(r.total, 1);
    for (const p of r.parts) add(p, -1);
    if (row.size) {
      rows.push(row);
      rowRelation.push(i);
    }
  });
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    while (parent.get(x) !== root) {
      const next = parent.get(x)!;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  for (const row of rows) {
    const ids = [...row.keys()];
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0]!));
  }
  const byComponent = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const root = find(row.keys().next().value!);
    const list = byComponent.get(root) ?? [];
    list.push(i);
    byComponent.set(root, list);
  });
  const found: Solved[] = [];
  for (const members of byComponent.values()) {
    for (const [cell, combination] of determinedIn(members.map((i) => rows[i]!), withWitnesses)) {
      let witnesses: string[] = [];
      if (combination) {
        // the combination's coefficient of every shown cell, summed over its relations
        const net = new Map<string, number>();
        for (const [k, y] of combination) {
          const r = relations[rowRelation[members[k]!]!]!;
          const add = (id: string, c: number) => {
            if (!hidden.has(id)) net.set(id, (net.get(id) ?? 0) + c * y);
          };
          add(r.total, 1);
          for (const p of r.parts) add(p, -1);
        }
        witnesses = [...net].filter(([, c]) => Math.abs(c) > 1e-9).map(([id]) => id);
      }
      found.push({ cell, witnesses });
    }
  }
  return found;
}

/**
 * Gaussian elimination to reduced row echelon form on sparse rows (the relations of a report
 * hold few cells each); a pivot row left with one entry is a solved cell. With `track`, each
 * row also carries the combination of the given rows it now is (row index to coefficient).
 */
function determinedIn(rows: readonly Map<string, number>[], track: boolean): [string, Map<number, number> | undefined][] {
  const eps = 1e-9;
  // short rows first keep the fill-in small
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.size - rows[b]!.size);
  const m = order.map((i) => new Map(rows[i]!));
  const combinations = track ? order.map((i) => new Map([[i, 1]])) : undefined;
  // which rows hold each cell, to eliminate a pivot without scanning every row
  const holders = new Map<string, Set<number>>();
  m.forEach((r, i) => {
    for (const id of r.keys()) {
      let h = holders.get(id);
      if (!h) holders.set(id, (h = new Set()));
      h.add(i);
    }
  });
  const pivotOf = new Map<number, string>();
  for (let i = 0; i < m.length; i++) {
    const row = m[i]!;
    if (row.size === 0) continue;
    // the cell held by the fewest rows keeps the fill-in small
    let col: string | undefined;
    for (const [id, c] of row) {
      if (Math.abs(c) <= eps) continue;
      if (col === undefined || holders.get(id)!.size < holders.get(col)!.size) col = id;
    }
    if (col === undefined) continue;
    const pv = row.get(col)!;
    for (const [id, c] of row) row.set(id, c / pv);
    const combination = combinations?.[i];
    if (combination) for (const [k, y] of combination) combination.set(k, y / pv);
    for (const k of [...holders.get(col)!]) {
      if (k === i) continue;
      const other = m[k]!;
      const f = other.get(col);
      if (f === undefined) continue;
      for (const [id, c] of row) {
        const v = (other.get(id) ?? 0) - f * c;
        if (Math.abs(v) <= eps) {
          other.delete(id);
          holders.get(id)?.delete(k);
        } else {
          if (!other.has(id)) holders.get(id)!.add(k);
          other.set(id, v);
        }
      }
      if (combination) {
        const into = combinations![k]!;
        for (const [j, y] of combination) {
          const v = (into.get(j) ?? 0) - f * y;
          if (Math.abs(v) <= eps) into.delete(j);
          else into.set(j, v);
        }
      }
    }
    pivotOf.set(i, col);
  }
  const out: [string, Map<number, number> | undefined][] = [];
  for (const [i, col] of pivotOf) if (m[i]!.size === 1 && m[i]!.has(col)) out.push([col, combinations?.[i]]);
  return out;
}

/**
 * Collects cells and relations for protectTable. `sum` records that `total` is the sum of
 * `parts`; when the shown parts do not add up (a group the table does not list), the difference
 * becomes a cell of its own that is not shown, since a reader can compute it.
 */
export class TableBuilder {
  readonly cells = new Map<string, number>();
  readonly relations: AdditiveRelation[] = [];
  readonly notShown = new Set<string>();
  /** Cells a reader may know from another output (TableToProtect.known). */
  readonly known = new Set<string>();

  cell(id: string, value: number): string {
    this.cells.set(id, value);
    return id;
  }

  sum(total: string, parts: readonly string[]): void {
    const rest = (this.cells.get(total) ?? 0) - parts.reduce((s, p) => s + (this.cells.get(p) ?? 0), 0);
    if (rest !== 0) {
      const id = `${total}~rest${this.relations.length}`;
      this.cells.set(id, rest);
      this.notShown.add(id);
      this.relations.push({ total, parts: [...parts, id] });
    } else this.relations.push({ total, parts });
  }

  protect(): ProtectedTable {
    return protectTable({ cells: this.cells, relations: this.relations, notShown: this.notShown, known: this.known });
  }
}

/** A share may be shown only when both its counts are: otherwise it (times the other) gives the hidden one. */
export function shareVisible(t: ProtectedTable, numerator: string, denominator: string): boolean {
  return t.isShown(numerator) && t.isShown(denominator);
}
