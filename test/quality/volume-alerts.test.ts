// The clinic volume detector on its own (quality/anomalies.ts volumeAlerts), property-tested in
// both directions: a clinic that falls silent for three or more active days is caught, steady
// clinics raise nothing, and the answer does not depend on the order in which the database hands
// over the clinics or the days of a series (string_agg gives no order).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { volumeAlerts, type ClinicSeries, type VolumeInput } from '../../quality/anomalies.ts';
import { seededRandom } from '../helpers/random.ts';

const dayOf = (i: number) => new Date(Date.UTC(2025, 10, 3 + i)).toISOString().slice(0, 10);

/** A kind's input: per clinic its rows on days 0..n-1 (this run delivers day n-1). */
function input(clinics: readonly (readonly number[])[], order: (pairs: string[]) => string[] = (p) => p): VolumeInput {
  const days = clinics[0]!.length;
  const series: ClinicSeries[] = clinics.map((rows, c) => ({
    sor_code: `40000000000${String(c).padStart(5, '0')}`,
    journal_system: 'NOVAX',
    first_day: dayOf(rows.findIndex((n) => n > 0)),
    series: order(rows.map((n, i) => `${dayOf(i)}:${n}`)).join(','),
  }));
  return { kind: 'diagnoser', current: [dayOf(days - 1)], clinics: series, flaggedBefore: [] };
}

const shown = (i: VolumeInput) => volumeAlerts(i).map((a) => `${a.type} ${a.scopeValue} ${a.day}..${a.dayTo} ${a.observed}`).sort();

/** Steady deliveries: around `mean` a day, never more than 20% off. */
const steady = (mean: number, days: number, seed: number) => {
  const r = seededRandom(seed);
  return Array.from({ length: days }, () => Math.max(1, Math.round(mean * (0.8 + 0.4 * r()))));
};

describe('clinic volume alerts', () => {
  it('catch a clinic that falls silent for three or more active days up to this run', () => {
    fc.assert(fc.property(
      fc.integer({ min: 5, max: 40 }), fc.integer({ min: 25, max: 60 }), fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.nat(),
      (mean, days, silent, others, seed) => {
        const quiet = steady(mean, days, seed).map((n, i) => (i >= days - silent ? 0 : n));
        const rest = Array.from({ length: others }, (_, k) => steady(mean, days, seed + k + 1));
        const alerts = volumeAlerts(input([quiet, ...rest]));
        expect(alerts.map((a) => [a.type, a.scopeValue, a.day, a.dayTo])).toEqual([
          ['clinic_silent', '4000000000000000', dayOf(days - silent), dayOf(days - 1)],
        ]);
      },
    ), { numRuns: 150 });
  });

  it('raise nothing for clinics that deliver steadily', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 5, max: 200 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 10, max: 90 }), fc.nat(),
      (means, days, seed) => {
        expect(volumeAlerts(input(means.map((m, k) => steady(m, days, seed + k))))).toEqual([]);
      },
    ), { numRuns: 150 });
  });

  // Clinics' rows over 30 days; every clinic delivers on day 0, so each has a first day.
  const clinicRows = fc.array(fc.array(fc.nat({ max: 30 }), { minLength: 30, maxLength: 30 }), { minLength: 1, maxLength: 8 })
    .map((clinics) => clinics.map((r) => [Math.max(1, r[0]!), ...r.slice(1)]));

  it('give the same alerts whatever order the clinics and the days of each series come in', () => {
    fc.assert(fc.property(
      clinicRows, fc.nat(),
      (rows, seed) => {
        const r = seededRandom(seed);
        const shuffle = <T>(xs: T[]) => xs.map((x) => [r(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
        const inOrder = input(rows);
        const shuffled = { ...input(rows, shuffle), clinics: shuffle([...input(rows, shuffle).clinics]) };
        expect(shown(shuffled)).toEqual(shown(inOrder));
      },
    ), { numRuns: 200 });
  });

  it('add up the pairs of one day that several runs delivered: the same alerts as one pair with the sum', () => {
    fc.assert(fc.property(
      clinicRows, fc.nat(),
      (rows, seed) => {
        const r = seededRandom(seed);
        // each day's rows split at random over one to three runs, their pairs in any order
        const split = (pairs: string[]) => pairs.flatMap((p) => {
          const [day, n] = p.split(':') as [string, string];
          let left = Number(n);
          const parts: number[] = [];
          for (let k = Math.floor(r() * 3); k > 0 && left > 1; k--) {
            const part = 1 + Math.floor(r() * (left - 1));
            parts.push(part);
            left -= part;
          }
          return [...parts, left].map((x) => `${day}:${x}`);
        }).map((x) => [r(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
        expect(shown(input(rows, split))).toEqual(shown(input(rows)));
      },
    ), { numRuns: 200 });
  });
});
