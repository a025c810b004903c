// The data kinds fangst knows, declared once. Everything that differs between kinds (the
// columns a layout maps, what a core record carries, the feed it is published in, the day a row
// counts for) is read from this table: the loaders, the staging tables, the per-kind SQL
// (transforms/kind-sql.ts expands it into the models), publishing and the quality history.

/** The feed a kind is published in (manifest.json `feed`). */
export type Feed = 'E-Journal' | 'Laboratoriesvarportalen';

export interface KindSpec {
  readonly name: string;
  readonly feed: Feed;
  /** Canonical columns a layout must map: a file without them is rejected whole. */
  readonly required: readonly string[];
  /** Canonical columns a layout may map. */
  readonly optional: readonly string[];
  /**
   * The columns of the kind's staging view (stg_<kind>) that its core record carries after
   * the shared ones (record key, clinic, patient), in the order core.<kind> has them.
   */
  readonly payload: readonly string[];
  /**
   * The delivered values whose change makes a new version of a record (after SOR code,
   * ydernummer and patient): its content_hash. Derived values (a parsed number, a mapped code)
   * are left out, so that a change of parsing does not turn every record into a correction.
   */
  readonly hashed: readonly string[];
  /**
   * The column that dates a row: a date, or a timestamp whose Danish local date is the row's
   * day. The quality history counts rows per day by it; when it is also required, a row
   * without it is rejected (staging/parse_rejects.sql).
   */
  readonly dated: { readonly column: string; readonly type: 'date' | 'timestamp' };
}

/** The data kinds, in the order they went live. */
export const KIND_SPECS = [
  {
    name: 'diagnoser',
    feed: 'E-Journal',
    required: ['record_id', 'patient', 'code', 'contact_date'],
    optional: ['sor_code', 'ydernummer', 'kind'],
    payload: ['code', 'code_raw', 'kind', 'kind_raw', 'contact_date'],
    hashed: ['code_raw', 'kind_raw', 'contact_date'],
    dated: { column: 'contact_date', type: 'date' },
  },
  {
    name: 'epikriser',
    feed: 'E-Journal',
    // the text is what a letter or a note is: a file without its column is rejected whole
    required: ['record_id', 'patient', 'written_date', 'text'],
    optional: ['sor_code', 'ydernummer', 'title'],
    payload: ['written_date', 'title', 'text'],
    hashed: ['written_date', 'title', 'text'],
    dated: { column: 'written_date', type: 'date' },
  },
  {
    name: 'billeddiagnostiske_epikriser',
    feed: 'E-Journal',
    // the text is what a letter or a note is: a file without its column is rejected whole
    required: ['record_id', 'patient', 'written_date', 'text'],
    optional: ['sor_code', 'ydernummer', 'examination'],
    payload: ['written_date', 'examination', 'text'],
    hashed: ['written_date', 'examination', 'text'],
    dated: { column: 'written_date', type: 'date' },
  },
  {
    name: 'notater',
    feed: 'E-Journal',
    // the text is what a letter or a note is: a file without its column is rejected whole
    required: ['record_id', 'patient', 'note_time', 'text'],
    optional: ['sor_code', 'ydernummer', 'note_type'],
    payload: ['note_time', 'note_type', 'text'],
    hashed: ['note_time', 'note_type', 'text'],
    dated: { column: 'note_time', type: 'timestamp' },
  },
  {
    name: 'laboratoriesvar',
    feed: 'Laboratoriesvarportalen',
    required: ['record_id', 'patient', 'analysis_code', 'value'],
    optional: [
      'sor_code', 'ydernummer', 'code_system', 'analysis_name', 'operator', 'unit', 'ref_low', 'ref_high',
      'ref_text', 'abnormal_flag', 'result_status', 'sampled_at', 'resulted_at',
    ],
    payload: [
      'analysis_code', 'code_system', 'analysis_name', 'value_text', 'value_num', 'comparator', 'value_state',
      'unit', 'ref_low', 'ref_high', 'ref_text', 'abnormal_flag', 'result_status', 'sampled_at', 'resulted_at',
    ],
    hashed: [
      'analysis_code', 'code_system', 'analysis_name', 'value_text', 'comparator', 'unit', 'ref_low',
      'ref_high', 'ref_text', 'abnormal_flag', 'result_status', 'sampled_at', 'resulted_at',
    ],
    dated: { column: 'sampled_at', type: 'timestamp' },
  },
] as const satisfies readonly KindSpec[];

export type Kind = (typeof KIND_SPECS)[number]['name'];

/** The kinds' names, in the order they went live. */
export const KINDS: readonly Kind[] = KIND_SPECS.map((k) => k.name);

const byName = new Map<string, KindSpec>(KIND_SPECS.map((k) => [k.name, k]));

/** The declaration of one kind. */
export function kindSpec(kind: Kind): KindSpec {
  return byName.get(kind)!;
}

export function isKind(name: string): name is Kind {
  return byName.has(name);
}
