// The attacker of the disclosure tests: what a shareable output shows (null = hidden) beside the
// truth, the additive relations a reader can see, and the attacks on them: one relation at a
// time (a total minus the shown parts), guesses from shares and geometry, and linear algebra
// over all relations at once.
import { recoverableCells, type AdditiveRelation } from '../../quality/report-kit/protect-table.ts';

/** What the attacker sees (null = hidden) and the truth, cell by cell, with the relations between cells. */
export class Attack {
  readonly shown = new Map<string, number | null>();
  readonly truth = new Map<string, number>();
  readonly relations: AdditiveRelation[] = [];
  readonly recovered: string[] = [];

  /** Cells no output shows (unmarked = diagnoses - marked, the systems a report does not list). */
  readonly derived = new Set<string>();

  cell(id: string, shown: number | null | undefined, truth: number | null | undefined): void {
    if (truth === null || truth === undefined) return;
    this.shown.set(id, shown ?? null);
    this.truth.set(id, truth);
  }

  /** A count no output shows: a secret only when it is 1-4. */
  unknown(id: string, truth: number): void {
    this.cell(id, null, truth);
    this.derived.add(id);
  }

  #secret(id: string): boolean {
    const truth = this.truth.get(id)!;
    return this.derived.has(id) ? truth >= 1 && truth <= 4 : truth !== 0;
  }

  /** total = sum of parts; where the parts the output lists do not add up, the rest is an unknown of its own. */
  sum(total: string, parts: readonly string[]): void {
    const ps = parts.filter((p) => this.truth.has(p));
    if (!this.truth.has(total)) return;
    const rest = this.truth.get(total)! - ps.reduce((s, p) => s + this.truth.get(p)!, 0);
    if (rest === 0) {
      this.relations.push({ total, parts: ps });
      return;
    }
    const id = `${total}~rest${this.relations.length}`;
    this.unknown(id, rest);
    this.relations.push({ total, parts: [...ps, id] });
  }

  /** A value the attacker computed for a cell: a hit when the cell is hidden, not 0, and it is exact. */
  guess(id: string, value: number | null, how: string): void {
    if (value === null || !Number.isFinite(value)) return;
    const truth = this.truth.get(id);
    if (this.shown.get(id) !== null || truth === undefined || !this.#secret(id)) return;
    if (Math.abs(value - truth) < 1e-6) this.recovered.push(`${id} = ${truth} by ${how}`);
  }

  differencing(): void {
    for (const r of this.relations) {
      const members = [r.total, ...r.parts];
      const hidden = members.filter((m) => this.shown.get(m) === null);
      if (hidden.length !== 1) continue;
      const id = hidden[0]!;
      const v = (m: string) => this.shown.get(m)!;
      const value = id === r.total ? r.parts.reduce((s, p) => s + v(p), 0) : v(r.total) - r.parts.filter((p) => p !== id).reduce((s, p) => s + v(p), 0);
      this.guess(id, value, `${r.total} = ${r.parts.length} parts`);
    }
  }

  linearAlgebra(): void {
    const hidden = new Set([...this.shown].filter(([, v]) => v === null).map(([id]) => id));
    for (const id of recoverableCells({ cells: this.truth, relations: this.relations, hidden })) {
      if (this.#secret(id)) this.recovered.push(`${id} = ${this.truth.get(id)} by linear algebra`);
    }
  }
}

