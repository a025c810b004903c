// Run and batch ids go into messages beside dates ('in batch b...-120526, 2026-12-07 09:13 UTC');
// six digits of a date there, and ', 2026' after them, were read as a CPR number by the masking,
// which cut the id in two in a refused release's message.
import { describe, expect, it } from 'vitest';
import { newId } from '../../transforms/db/runs.ts';
import { maskIdentifiers } from '../../transforms/privacy/identifiers.ts';

describe('newId', () => {
  it('gives ids that no masking touches in a message beside a date', () => {
    const now = new Date('2026-12-07T09:13:01Z');
    for (let i = 0; i < 3000; i++) {
      const id = newId('b', now);
      expect(id).toMatch(/^b20261207T091301Z-[0-9a-f]*[a-f][0-9a-f]*$/);
      const message = `7 rows in batch ${id}, 2026-12-07 09:13 UTC, by ops`;
      expect(maskIdentifiers(message)).toBe(message);
    }
  });

  it('(why) six digits of a date before ", 2026" are masked as a CPR number', () => {
    expect(maskIdentifiers('in batch b20261207T091301Z-120526, 2026-12-07')).not.toContain('120526');
  });
});
