import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../config/errors.ts';
import { parseCheckFile } from '../../quality/definitions.ts';
import { checkTypes } from '../../quality/registry.ts';

const check = (where: string) => stringify([{
  id: 'diagnoser.where_probe', kind: 'diagnoser', type: 'not_null', category: 'completeness', severity: 'warn',
  column: 'code', reason: 'probe', where,
}]);
const parse = (where: string) => parseCheckFile(check(where), 'checks/probe.yaml', checkTypes)[0]!.where;

// A check's where: is put inside the engine's own query; it must not be able to end that query,
// run a statement of its own or hide what follows.
describe('a check\'s where:', () => {
  it.each([
    "regexp_full_match(code, '^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$')",
    "upper(code_system) in ('NPU', 'DNK', 'IUPAC')",
    "note = 'a; b -- c /* d (e'",
    "\"odd;name\" is not null and (a or (b and c))",
  ])('takes the predicate %s as it is', (where) => expect(parse(where)).toBe(where));

  it.each([
    ["true; copy (select * from core.diagnoser) to '/tmp/x.csv'", /without ;/],
    ['true -- and the rest', /without comments/],
    ['true /* and */ or false', /without comments/],
    ['true) union all (select * from core.diagnoser', /closes nothing/],
    ['(true', /is not closed/],
    ["code = 'open", /not closed/],
  ])('refuses %s, naming file, key and what was expected', (where, expected) => {
    const err = (() => { try { parse(where); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^checks\/probe\.yaml: .*where: found /);
    expect((err as ConfigError).message).toMatch(expected);
  });

  it('refuses every text with a ; outside quotes, whatever surrounds it', () => {
    const word = fc.stringMatching(/^[a-z0-9_ =<>()]{0,12}$/);
    fc.assert(fc.property(word, word, (a, b) => {
      expect(() => parse(`${a};${b}`)).toThrow(ConfigError);
    }));
  });

  it('takes any balanced predicate of columns, literals and operators', () => {
    const literal = fc.stringMatching(/^[^']{0,8}$/).map((s) => `'${s}'`);
    const atom = fc.oneof(fc.constantFrom('code', 'kind', 'true', 'null'), literal);
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof({ depthSize: 'small' }, atom, fc.tuple(tie('e'), fc.constantFrom(' = ', ' or ', ' and '), tie('e')).map((p) => p.join('')),
        tie('e').map((e) => `(${e})`)),
    })).e;
    fc.assert(fc.property(expr, (where) => {
      expect(parse(where)).toBe(where);
    }));
  });
});
