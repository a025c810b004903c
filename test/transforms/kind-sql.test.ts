// transforms/kind-sql.ts: the data kinds of config/kinds.ts written into the models.
import { describe, expect, it } from 'vitest';
import { KINDS, kindSpec } from '../../config/kinds.ts';
import { expandKinds } from '../../transforms/kind-sql.ts';
import { loadLayer } from '../../transforms/run.ts';

describe('expandKinds', () => {
  it('repeats a kinds section once per kind, joined by its separator', () => {
    const sql = expandKinds('with x as (\n    {{#kinds union all}}\n    select \'{{kind}}\' as kind from t.{{kind}}\n    {{/kinds}}\n)\n');
    const lines = sql.split('\n');
    expect(lines.filter((l) => l.trim() === 'union all')).toHaveLength(KINDS.length - 1);
    for (const k of KINDS) expect(lines).toContain(`    select '${k}' as kind from t.${k}`);
  });

  it("fills a kind's column lists: one a line when alone on a line, else inline", () => {
    const sql = expandKinds('select\n    {{stg.payload}},\n    md5({{hashed}})\n', kindSpec('epikriser'));
    expect(sql).toBe('select\n    stg.written_date,\n    stg.title,\n    stg.text,\n    md5(written_date, title, text)\n');
  });

  it('gives the dated column as the identity column only where the kind requires it', () => {
    expect(expandKinds('{{required_date}} {{required_date_name}}', kindSpec('notater'))).toBe("note_time 'note_time'");
    expect(expandKinds('{{required_date}} {{required_date_name}}', kindSpec('laboratoriesvar'))).toBe('null null');
  });

  it('lists the parsed columns per kind, dates before timestamps before numbers', () => {
    const sql = expandKinds('{{#parsed_columns ,}}\n{{kind}}.{{column}}:{{format}}\n{{/parsed_columns}}\n');
    expect(sql.split('\n').filter((l) => l.startsWith('laboratoriesvar'))).toEqual([
      'laboratoriesvar.sampled_at:timestamps', 'laboratoriesvar.resulted_at:timestamps',
      'laboratoriesvar.ref_low:number', 'laboratoriesvar.ref_high:number',
    ]);
  });

  it('names a placeholder it does not know', () => {
    expect(() => expandKinds('select {{kind}}')).toThrow(/\{\{kind\}\}/);
    expect(() => expandKinds('{{#kindz union}}\nx\n{{/kindz}}\n')).toThrow(/kindz/);
  });
});

describe('the core layer', () => {
  it('has one model per data kind from the one per-kind file, each after clinic_keys', async () => {
    const models = await loadLayer('core');
    const names = models.map((m) => m.name);
    for (const k of KINDS) {
      const m = models.find((x) => x.name === k)!;
      expect(m).toMatchObject({ file: 'core/kind.sql', table: `work.${k}` });
      expect(m.sql).toContain(`from staging.stg_${k}`);
      expect(m.sql).not.toContain('{{');
      expect(names.indexOf(k)).toBeGreaterThan(names.indexOf('clinic_keys'));
      expect(names.indexOf(k)).toBeLessThan(names.indexOf('pipeline_findings'));
    }
    expect(names).not.toContain('kind');
  });
});
