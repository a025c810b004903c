import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitInteger, ipf, ipfCapped, roundControlled } from '../../data-samples/generator/fit.ts';

const rowSums = (m: number[][]) => m.map((r) => r.reduce((s, x) => s + x, 0));
const colSums = (m: number[][]) => (m[0] ?? []).map((_, j) => m.reduce((s, r) => s + r[j]!, 0));

/**
 * A random problem with consistent integer margins: the margins come from an integer matrix with
 * the zeros of the seed, and the seed is that matrix's pattern with other positive values, so the
 * fit has to move every cell.
 */
const problem = fc
  .record({ rows: fc.integer({ min: 1, max: 8 }), cols: fc.integer({ min: 1, max: 12 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      truth: fc.array(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 })), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
      noise: fc.array(fc.array(fc.double({ min: 0.2, max: 5, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
    }),
  )
  .map(({ truth, noise }) => ({
    seed: truth.map((r, i) => r.map((v, j) => (v > 0 ? v * noise[i]![j]! : 0))),
    rows: rowSums(truth),
    cols: colSums(truth),
  }));

describe('fitInteger: IPF and controlled rounding', () => {
  it('meets both margins exactly, keeps zeros, and stays within 1 of the real fit', () => {
    fc.assert(
      fc.property(problem, ({ seed, rows, cols }) => {
        const real = ipf(seed, rows, cols);
        const m = fitInteger(seed, rows, cols);
        expect(rowSums(m)).toEqual(rows);
        expect(colSums(m)).toEqual(cols);
        m.forEach((r, i) =>
          r.forEach((v, j) => {
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
            if (seed[i]![j] === 0) expect(v).toBe(0);
            expect(Math.abs(v - real[i]![j]!)).toBeLessThan(1);
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('returns a seed that already meets its integer margins unchanged', () => {
    fc.assert(
      fc.property(problem, ({ seed }) => {
        const m = seed.map((r) => r.map(Math.round));
        expect(fitInteger(m, rowSums(m), colSums(m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic', () => {
    fc.assert(fc.property(problem, ({ seed, rows, cols }) => {
      expect(fitInteger(seed, rows, cols)).toEqual(fitInteger(seed, rows, cols));
    }), { numRuns: 50 });
  });

  it('rounds a matrix of halves with both margins kept (no cell rounding alone would)', () => {
    const x = [
      [0.5, 0.5, 0],
      [0.5, 0, 0.5],
      [0, 0.5, 0.5],
    ];
    const m = roundControlled(x, [1, 1, 1], [1, 1, 1]);
    expect(rowSums(m)).toEqual([1, 1, 1]);
    expect(colSums(m)).toEqual([1, 1, 1]);
    expect(m[0]![2]).toBe(0);
  });

  it('says why when the zeros of the seed make the margins unreachable', () => {
    expect(() => fitInteger([[1, 0], [0, 0]], [3, 2], [3, 2])).toThrow(/row 1 .*all zero/);
    expect(() => fitInteger([[1, 0], [1, 0]], [2, 3], [3, 2])).toThrow(/column 1/);
    expect(() => fitInteger([[1, 1]], [3], [1, 1])).toThrow(/differ/);
  });
});

describe('ipfCapped', () => {
  it('keeps every cell at or below its cap and meets both margins', () => {
    const seed = [
      [10, 1, 1],
      [10, 1, 1],
    ];
    const caps = [
      [4, 100, 100],
      [100, 100, 100],
    ];
    const m = ipfCapped(seed, [10, 10], [12, 4, 4], caps);
    m.forEach((r, i) => r.forEach((v, j) => expect(v).toBeLessThanOrEqual(caps[i]![j]! + 1e-9)));
    rowSums(m).forEach((s, i) => expect(s).toBeCloseTo([10, 10][i]!, 6));
    colSums(m).forEach((s, j) => expect(s).toBeCloseTo([12, 4, 4][j]!, 6));
    expect(m[0]![0]).toBeCloseTo(4, 6);
  });
});
