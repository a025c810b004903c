// Per-kind SQL from one text: the data kinds of config/kinds.ts written into a model, so that a
// model over every kind lists none of them by name and a new kind needs no SQL edit.
//
// In a model file:
//   {{#kinds union all}}            the lines up to {{/kinds}}, once per data kind, joined by
//   select '{{kind}}' as kind ...   the words after `#kinds` (here `union all`) on a line of
//   {{/kinds}}                      their own. Each copy knows the kind's placeholders below.
//   {{#parsed_columns union all}}   the same, once per (kind, column) that staging parses with a
//   ... {{/parsed_columns}}          layout format: {{kind}}, {{column}} and {{format}} (dates,
//                                    timestamps or number).
// A model declared `-- materialised: table, one per data kind` is run once per kind, as
// <schema>.<kind>, with that kind's placeholders filled in.
//
// A kind's placeholders: {{kind}}; {{payload}} and {{hashed}} (column lists, config/kinds.ts;
// `{{stg.payload}}` qualifies each column); {{hashed_text}}, the hashed columns of `stg` as the
// content hash reads them (a timestamp through utc_text); {{required_date}}, the dated column when
// the kind requires it, else null, {{required_date_parsed}}, its parsed column (or null), and
// {{required_date_name}}, its name as a string literal (or null).
// A list placeholder alone on its line (a trailing comma allowed) expands to one column a line.
import { KIND_SPECS, type KindSpec } from '../config/kinds.ts';
import { DATE_COLUMNS, NUMBER_COLUMNS, TIMESTAMP_COLUMNS } from '../config/load.ts';

type Values = Readonly<Record<string, string | readonly string[]>>;

const PER_KIND_MARK = /^--\s*materiali[sz]ed:\s*\w+,\s*one per data kind\b/m;

/** True when a model file is run once per data kind. */
export function isPerKind(sql: string): boolean {
  return PER_KIND_MARK.test(sql);
}

/**
 * A model's SQL with its kind sections expanded; `kind` fills a per-kind model's placeholders.
 * Throws on a placeholder it does not know, naming it.
 */
export function expandKinds(sql: string, kind?: KindSpec): string {
  const sections = sql.replace(SECTION, (_all, indent: string, name: string, sep: string, body: string) => {
    const items = sectionItems(name);
    return items.map((values) => fill(body.replace(/\n$/, ''), values)).join(`\n${indent}${sep.trim()}\n`) + '\n';
  });
  return kind ? fill(sections, kindValues(kind)) : fill(sections, {});
}

// A section: its opening line (indent kept for the separators), body lines, closing line.
const SECTION = /^([ \t]*)\{\{#(\w+)([^}]*)\}\}[ \t]*\n([\s\S]*?)^[ \t]*\{\{\/\2\}\}[ \t]*\n?/gm;

function sectionItems(name: string): Values[] {
  if (name === 'kinds') return KIND_SPECS.map(kindValues);
  if (name === 'parsed_columns') return KIND_SPECS.flatMap(parsedColumns);
  throw new Error(`unknown section {{#${name}}}: expected kinds or parsed_columns`);
}

function kindValues(k: KindSpec): Values {
  const required = k.required.includes(k.dated.column);
  return {
    kind: k.name,
    payload: k.payload,
    hashed: k.hashed,
    hashed_text: k.hashed.map((c) => (TIMESTAMP_COLUMNS.has(c) ? `utc_text(stg.${c})` : `stg.${c}`)).join(', '),
    required_date: required ? k.dated.column : 'null',
    required_date_parsed: required ? `${k.dated.column}__parsed` : 'null',
    required_date_name: required ? `'${k.dated.column}'` : 'null',
  };
}

/** The columns staging parses with the layout's formats, dates first, then times, then numbers. */
function parsedColumns(k: KindSpec): Values[] {
  const columns = [...k.required, ...k.optional];
  const formats: [string, ReadonlySet<string>][] = [['dates', DATE_COLUMNS], ['timestamps', TIMESTAMP_COLUMNS], ['number', NUMBER_COLUMNS]];
  return formats.flatMap(([format, set]) => columns.filter((c) => set.has(c)).map((column) => ({ kind: k.name, column, format })));
}

function fill(text: string, values: Values): string {
  const value = (name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`unknown placeholder {{${name}}} (or one used outside its section)`);
    return v;
  };
  const qualify = (alias: string | undefined, cols: readonly string[]) => cols.map((c) => (alias ? `${alias}.${c}` : c));
  const lines = text.replace(/^([ \t]*)\{\{(?:(\w+)\.)?(\w+)\}\}(,?)[ \t]*$/gm, (all, indent: string, alias: string | undefined, name: string, comma: string) => {
    const v = value(name);
    if (typeof v === 'string') return all;
    return qualify(alias, v).map((c) => indent + c).join(',\n') + comma;
  });
  return lines.replace(/\{\{(?:(\w+)\.)?(\w+)\}\}/g, (_all, alias: string | undefined, name: string) => {
    const v = value(name);
    if (typeof v === 'string') {
      if (alias) throw new Error(`{{${alias}.${name}}}: only a column list can be qualified`);
      return v;
    }
    return qualify(alias, v).join(', ');
  });
}
