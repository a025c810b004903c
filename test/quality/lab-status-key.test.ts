// A mapping's status spellings are keyed in TypeScript (statusKey) and the delivered statuses in
// SQL (lab_status_key): both must key any spelling alike, or a spelling the mapping lists is missed
// in the data when a no-break space, a double space, a capital or a closing full stop differs.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusKey } from '../../quality/reports/lab-quality/mapping.ts';
import { evalBatch, openMacroDb, type MacroDb } from '../helpers/macro-batch.ts';

let db: MacroDb;
beforeAll(async () => {
  db = await openMacroDb();
});
afterAll(() => db.close());

const sqlKeys = async (texts: readonly string[]) =>
  (await evalBatch<{ k: string }>(db.conn, texts.map((t) => ({ t })), 'lab_status_key(t) as k')).map((r) => r.k);

// the spaces an export or a typist puts between words: space, tab, no-break, narrow no-break, ideographic
const space = fc.constantFrom(' ', '\t', '\u00a0', '\u202f', '\u3000');
const word = fc.stringMatching(/^[a-zA-ZæøåÆØÅ_]{1,10}$/);

describe('status keys', () => {
  it('TypeScript and SQL key every spelling alike', async () => {
    const text = fc.array(fc.oneof(word, space, fc.constant('.')), { maxLength: 8 }).map((parts) => parts.join(''));
    await fc.assert(fc.asyncProperty(fc.array(text, { minLength: 200, maxLength: 200 }), async (texts) => {
      expect(await sqlKeys(texts)).toEqual(texts.map(statusKey));
    }), { numRuns: 20 });
  });

  it('a spelling and its variants share a key; other words do not', async () => {
    const variant = fc.record({
      words: fc.array(word, { minLength: 1, maxLength: 3 }),
      gaps: fc.array(fc.array(space, { minLength: 1, maxLength: 3 }).map((s) => s.join('')), { minLength: 3, maxLength: 3 }),
      upper: fc.boolean(),
      dots: fc.constantFrom('', '.', '..'),
      other: word,
    });
    await fc.assert(fc.asyncProperty(fc.array(variant, { minLength: 100, maxLength: 100 }), async (cases) => {
      const listed = cases.map((c) => c.words.join(' '));
      const delivered = cases.map((c) => {
        const text = c.gaps[0]! + c.words.join(c.gaps[1]!) + c.dots + c.gaps[2]!;
        return c.upper ? text.toUpperCase() : text;
      });
      const others = cases.map((c) => `${c.words.join(' ')} ${c.other}`);
      const [keysDelivered, keysOther] = [await sqlKeys(delivered), await sqlKeys(others)];
      expect(keysDelivered).toEqual(listed.map(statusKey));
      keysOther.forEach((k, i) => expect(k).not.toBe(statusKey(listed[i]!)));
    }), { numRuns: 10 });
  });
});
