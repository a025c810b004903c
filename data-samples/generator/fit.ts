/**
 * Fitting a system x specialty matrix to both seed tables: iterative proportional fitting gives
 * the real matrix closest (in the IPF sense) to a seed matrix with the given row and column sums,
 * and controlled rounding turns it into integers with the same sums. A cell whose seed is 0 stays
 * 0 (a system without clinics of a specialty delivers nothing for it), and every integer cell is
 * the floor or the ceiling of its real value.
 */

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

export interface IpfOptions {
  /** Largest accepted difference between a row or column sum and its target. */
  readonly tolerance?: number;
  readonly maxIterations?: number;
}

/**
 * Iterative proportional fitting of a non-negative seed matrix to row and column sums (which must
 * have the same total). Throws when the zeros of the seed make the sums unreachable.
 */
export function ipf(seed: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[], opts: IpfOptions = {}): number[][] {
  const tolerance = opts.tolerance ?? 1e-7;
  const maxIterations = opts.maxIterations ?? 200_000;
  if (seed.length !== rows.length || seed.some((r) => r.length !== cols.length)) throw new Error(`ipf: a ${seed.length}-row seed for ${rows.length} rows x ${cols.length} columns`);
  if (Math.abs(sum(rows) - sum(cols)) > tolerance) throw new Error(`ipf: row sums ${sum(rows)} and column sums ${sum(cols)} differ`);
  const m = seed.map((r) => r.map((v) => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`ipf: seed cell ${v} is not a non-negative number`);
    return v;
  }));
  const colSums = () => cols.map((_, j) => m.reduce((s, r) => s + r[j]!, 0));
  const unreachable = () => {
    rows.forEach((t, i) => {
      if (t > 0 && sum(m[i]!) === 0) throw new Error(`ipf: row ${i} must sum to ${t} but its seed is all zero`);
    });
    colSums().forEach((s, j) => {
      if (cols[j]! > 0 && s === 0) throw new Error(`ipf: column ${j} must sum to ${cols[j]} but its seed is all zero`);
    });
  };
  unreachable();
  for (let it = 0; it < maxIterations; it++) {
    for (let i = 0; i < m.length; i++) {
      const s = sum(m[i]!);
      if (s > 0) m[i] = m[i]!.map((v) => (v * rows[i]!) / s);
    }
    const cs = colSums();
    for (let j = 0; j < cols.length; j++) if (cs[j]! > 0) for (const r of m) r[j] = (r[j]! * cols[j]!) / cs[j]!;
    // the columns are exact now; stop when the rows are too
    if (m.every((r, i) => Math.abs(sum(r) - rows[i]!) <= tolerance)) return m;
  }
  // IPF converges slowly when blocks of the matrix are linked only through tiny cells; a residue
  // below half a record is still a fit that controlled rounding turns into exact integers (or
  // says that it cannot)
  const worst = Math.max(...m.map((r, i) => Math.abs(sum(r) - rows[i]!)));
  if (worst < 0.5) return m;
  throw new Error(`ipf: no fit after ${maxIterations} iterations (a row is ${worst} off): the zeros of the seed leave the sums unreachable`);
}

/**
 * Controlled rounding: integers with exactly the given row and column sums, each the floor or
 * the ceiling of its cell in x (whose sums must be those, up to rounding error). Which cells go up
 * is a maximum flow from the rows' shortfalls to the columns' through the cells with a fraction,
 * started from the largest fractions first, so the result is deterministic.
 */
export function roundControlled(x: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[]): number[][] {
  const nr = rows.length, nc = cols.length;
  // a value within 1e-6 of an integer is that integer: IPF leaves tiny residues
  const snap = (v: number) => (Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : v);
  const floor = x.map((r) => r.map((v) => Math.floor(snap(v))));
  const frac = x.map((r, i) => r.map((v, j) => snap(v) - floor[i]![j]!));
  const rowNeed = rows.map((t, i) => t - sum(floor[i]!));
  const colNeed = cols.map((t, j) => t - floor.reduce((s, r) => s + r[j]!, 0));
  if (rowNeed.some((n) => n < 0) || colNeed.some((n) => n < 0)) throw new Error('roundControlled: the cells already exceed a sum');
  const up = x.map((r) => r.map(() => false));
  // greedy start: largest fractions first
  const cells = frac
    .flatMap((r, i) => r.map((f, j) => ({ i, j, f })))
    .filter((c) => c.f > 0)
    .sort((p, q) => q.f - p.f || p.i - q.i || p.j - q.j);
  for (const c of cells) {
    if (rowNeed[c.i]! > 0 && colNeed[c.j]! > 0) {
      up[c.i]![c.j] = true;
      rowNeed[c.i]! -= 1;
      colNeed[c.j]! -= 1;
    }
  }
  // augmenting paths: row with need -> column (cell not yet up) -> row (cell up, taken back) -> ...
  for (;;) {
    const start = rowNeed.findIndex((n) => n > 0);
    if (start < 0) break;
    const prevRowOfCol = new Array<number>(nc).fill(-1);
    const prevColOfRow = new Array<number>(nr).fill(-1);
    const seenRow = new Array<boolean>(nr).fill(false);
    seenRow[start] = true;
    let queue = [start];
    let end = -1;
    while (queue.length > 0 && end < 0) {
      const next: number[] = [];
      for (const i of queue) {
        for (let j = 0; j < nc && end < 0; j++) {
          if (frac[i]![j]! <= 0 || up[i]![j] || prevRowOfCol[j]! >= 0) continue;
          prevRowOfCol[j] = i;
          if (colNeed[j]! > 0) {
            end = j;
            break;
          }
          for (let k = 0; k < nr; k++) {
            if (!seenRow[k] && up[k]![j]) {
              seenRow[k] = true;
              prevColOfRow[k] = j;
              next.push(k);
            }
          }
        }
        if (end >= 0) break;
      }
      queue = next;
    }
    if (end < 0) throw new Error(`roundControlled: row ${start} cannot reach its sum ${rows[start]} by rounding (the real matrix does not meet the sums)`);
    colNeed[end]! -= 1;
    for (let j = end; ;) {
      const i = prevRowOfCol[j]!;
      up[i]![j] = true;
      if (i === start) break;
      j = prevColOfRow[i]!;
      up[i]![j] = false;
    }
    rowNeed[start]! -= 1;
  }
  if (colNeed.some((n) => n !== 0)) throw new Error('roundControlled: the column sums do not match the row sums');
  return floor.map((r, i) => r.map((v, j) => v + (up[i]![j] ? 1 : 0)));
}

/** IPF, then controlled rounding: an integer matrix with exactly the given sums. */
export function fitInteger(seed: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[], opts?: IpfOptions): number[][] {
  for (const t of [...rows, ...cols]) if (!Number.isInteger(t) || t < 0) throw new Error(`fitInteger: sum ${t} is not a non-negative integer`);
  return roundControlled(ipf(seed, rows, cols, opts), rows, cols);
}

/**
 * IPF with an upper bound per cell: a cell that the fit pushes above its cap is held at the cap
 * and the rest is fitted again, until no cell exceeds its cap.
 */
export function ipfCapped(seed: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[], caps: readonly (readonly number[])[], opts?: IpfOptions): number[][] {
  const held = seed.map((r) => r.map(() => false));
  for (let round = 0; round <= seed.length * cols.length; round++) {
    const free = seed.map((r, i) => r.map((v, j) => (held[i]![j] ? 0 : v)));
    const fixed = (i: number, j: number) => (held[i]![j] ? caps[i]![j]! : 0);
    const r = rows.map((t, i) => t - cols.reduce((s, _, j) => s + fixed(i, j), 0));
    const c = cols.map((t, j) => t - rows.reduce((s, _, i) => s + fixed(i, j), 0));
    const m = ipf(free, r.map((v) => Math.max(0, v)), c.map((v) => Math.max(0, v)), opts);
    let more = false;
    m.forEach((row, i) => row.forEach((v, j) => {
      if (!held[i]![j] && v > caps[i]![j]! + 1e-9) (held[i]![j] = true), (more = true);
    }));
    if (!more) return m.map((row, i) => row.map((v, j) => (held[i]![j] ? caps[i]![j]! : v)));
  }
  throw new Error('ipfCapped: the caps leave the sums unreachable');
}
