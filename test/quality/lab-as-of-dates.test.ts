// --as-of, --delivered-at and the mapping's as_of/delivered_at: every time check is judged
// against this date, so a date the calendar does not have must be refused, not moved.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../quality/reports/lab-quality/mapping.ts';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('the as-of date of a lab evaluation', () => {
  it('reads every calendar day, at midnight UTC, and a time of day with or without an offset', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2299-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      expect(parseInstant(day)?.toISOString()).toBe(`${day}T00:00:00.000Z`);
      const time = `${day}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      expect(parseInstant(time)?.toISOString()).toBe(`${time}.000Z`);
      expect(parseInstant(`${time}+02:00`)?.getTime()).toBe(Date.parse(`${time}Z`) - 2 * 3600_000);
    }));
  });

  it('refuses a day the month does not have, month 13, hour 24 and minute 60 rather than moving them', () => {
    for (const bad of ['2025-02-30', '2025-02-29', '2024-02-30', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00', '2025-06-01T24:00', '2025-06-01T10:60', '2025-06-01 10:00:61']) {
      expect(parseInstant(bad), bad).toBeNull();
    }
    expect(parseInstant('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    fc.assert(fc.property(fc.integer({ min: 1900, max: 2299 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
      const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      expect(parseInstant(`${year}-${pad(month)}-${pad(days)}`)).not.toBeNull();
      expect(parseInstant(`${year}-${pad(month)}-${pad(days + 1)}`)).toBeNull();
    }));
  });
});
