import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYaml } from './parse-yaml.ts';
import { ConfigError, UsageError } from './errors.ts';
import { knownKeysText, unknownKeys } from './keys.ts';
import { fileInTheWay } from './folders.ts';
import { kindSpec, KINDS, type Kind } from './kinds.ts';

// Re-exported for the loaders' callers: the kinds themselves are declared in config/kinds.ts.
export { KINDS, type Kind };

export const FORMATS = ['csv', 'tsv', 'ndjson', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

/** Which canonical columns hold dates or timestamps, parsed with the layout's formats. */
export const DATE_COLUMNS = new Set(['contact_date', 'written_date', 'enrolled_on']);
export const TIMESTAMP_COLUMNS = new Set(['note_time', 'sampled_at', 'resulted_at']);
/** Numeric columns parsed with the layout's decimal separator. */
export const NUMBER_COLUMNS = new Set(['ref_low', 'ref_high']);

export interface Layout {
  readonly format: Format;
  readonly encoding: 'utf-8' | 'latin-1';
  readonly delimiter: string;
  readonly decimal: '.' | ',';
  readonly dates: string;
  readonly timestamps: string;
}

export interface Delivery extends Layout {
  readonly system: string;
  readonly sourceFile: string;
  readonly kind: Kind;
  readonly files: string;
  readonly columns: Readonly<Record<string, string>>;
  /** Diagnosis-kind spellings: canonical A/B -> the vendor's spellings. */
  readonly kinds: Readonly<Record<'A' | 'B', readonly string[]>>;
}

export interface RegisterLayout extends Layout {
  readonly files: string;
  readonly columns: Readonly<Record<string, string>>;
}

export interface PipelineConfig {
  readonly file: string;
  readonly inbox: string;
  readonly outbox: string;
  readonly database: string;
  readonly reports: string;
  readonly timeZone: string;
  readonly memoryLimit: string;
  /** Where DuckDB spills beyond memory_limit; null: DuckDB's own default, `<database>.tmp` beside the database. */
  readonly tempDirectory: string | null;
  /** false lets DuckDB reorder rows (less memory); staging numbers lines in file order with it on. */
  readonly preserveInsertionOrder: boolean;
  readonly threads: number;
  readonly fileConcurrency: number;
  /**
   * Bytes of inbox files one run takes at most: a larger inbox (a backfill) is loaded as
   * consecutive runs, so memory stays that of a few nights. null: always one run.
   */
  readonly runInputBudget: number | null;
  /** The most content one delivered file may hold, decompressed: a larger one is rejected whole. */
  readonly maxFileBytes: number;
  /** max_file_size as the configuration writes it ("1GB"): what a rejection says. */
  readonly maxFileSize: string;
  readonly register: RegisterLayout;
  readonly deliveries: readonly Delivery[];
  /** sksFile: an operator's SKScomplete.txt or code list, else the shipped list (defaultSksFile). */
  readonly reference: { readonly sksFile: string; readonly npuFile: string | null };
  /** The checks of this configuration: the `checks/` folder beside pipeline.yaml, as `sources/` is. */
  readonly checksDir: string;
  /** Who may read what fangst creates: its owner only (0600/0700), or its group too (0640/0750). */
  readonly fileMode: FileMode;
  /** The whole parsed YAML, for blocks other parts own (campaign, schedule, ...). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** pipeline.yaml's file_mode: owner-only (the default) or group-readable. */
export const FILE_MODES = ['owner-only', 'group-readable'] as const;
export type FileMode = (typeof FILE_MODES)[number];

/**
 * The keys each block of a source layout and of pipeline.yaml may hold; any other key is an
 * error naming the nearest of these (config/keys.ts). A reader that learns a key adds it here.
 */
export const LAYOUT_KEYS = ['format', 'encoding', 'delimiter', 'decimal', 'dates', 'timestamps'] as const;
export const SOURCE_KEYS = ['system', 'defaults', 'deliveries'] as const;
export const DELIVERY_KEYS = ['kind', 'files', ...LAYOUT_KEYS, 'columns', 'kinds'] as const;
export const REGISTER_KEYS = ['files', ...LAYOUT_KEYS, 'columns'] as const;
export const REFERENCE_KEYS = ['sks_file', 'npu_file'] as const;
/**
 * Top-level blocks of pipeline.yaml that other parts read, each validating its own keys where
 * it is parsed: campaign (quality/reports/campaign/settings.ts, readCampaignBlock) and schedule
 * (jobs/schedule.ts, readSchedule). `fangst validate` runs each of those readers.
 */
export const OWNED_BLOCKS = ['campaign', 'schedule'] as const;
export const PIPELINE_KEYS = [
  'inbox', 'outbox', 'database', 'reports', 'time_zone', 'memory_limit', 'temp_directory', 'preserve_insertion_order',
  'threads', 'file_concurrency', 'run_input_budget', 'max_file_size', 'file_mode', 'register', 'sources', 'reference', ...OWNED_BLOCKS,
] as const;

/**
 * The SKS diagnosis codes shipped with fangst (codes only; source and date in its header): the
 * reference.sks_file when pipeline.yaml names none, so diagnoser.sks_exists runs on a fresh install.
 */
export const defaultSksFile = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'sks-diagnosis-codes.csv');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Typed readers over one YAML document that turn every mistake into a ConfigError. */
class Reader {
  constructor(readonly file: string) {}

  obj(v: unknown, key: string): Obj {
    if (!isObj(v)) throw new ConfigError(this.file, key, v, 'a mapping');
    return v;
  }
  str(o: Obj, key: string, path: string, fallback?: string): string {
    const v = o[key] ?? fallback;
    if (typeof v !== 'string' || v === '') throw new ConfigError(this.file, `${path}${key}`, v, 'a non-empty string');
    return v;
  }
  optStr(o: Obj, key: string, path: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw new ConfigError(this.file, `${path}${key}`, v, 'a string or null');
    return v;
  }
  int(o: Obj, key: string, path: string, fallback: number): number {
    const v = o[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(this.file, `${path}${key}`, v, 'a positive integer');
    return v;
  }
  bool(o: Obj, key: string, path: string, fallback: boolean): boolean {
    const v = o[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(this.file, `${path}${key}`, v, 'true or false');
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback?: T): T {
    const v = o[key] ?? fallback;
    if (!allowed.includes(v as T)) throw new ConfigError(this.file, `${path}${key}`, v, typeof v === 'string' ? knownKeysText(v, allowed) : `one of ${allowed.join(', ')}`);
    return v as T;
  }
}

/** Throws one ConfigError naming every unknown key of the blocks given; a block that is not a mapping is left to its reader. */
function onlyKeysOf(file: string, blocks: ReadonlyArray<readonly [unknown, readonly string[], string]>): void {
  const problems = blocks.flatMap(([block, known, path]) => (isObj(block) ? unknownKeys(file, block, known, path) : []));
  if (problems.length) throw ConfigError.of(problems);
}

export async function readYaml(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a relative path is read from the folder fangst was started in, which a scheduler's may not be
    const where = code === 'ENOENT' && !isAbsolute(file) ? ` (looked for in ${process.cwd()}: start fangst in the folder that holds it, or pass --config)` : '';
    throw new ConfigError(file, '(file)', code, `a readable YAML file${where}`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
}

/**
 * The directives DuckDB's strptime (1.5) reads: any other fails every file of the layout with
 * 'Unrecognized format for strftime/strptime'.
 */
const STRPTIME_DIRECTIVES = new Set([...'abcdfghjmnpuwxyzABGHIMSTUVWXYZ%', '-d', '-m', '-y', '-H', '-I', '-M', '-S', '-j']);

function readLayout(r: Reader, o: Obj, base: Partial<Layout>, path: string): Layout {
  const format = r.oneOf(o, 'format', path, FORMATS, base.format);
  const encoding = r.oneOf(o, 'encoding', path, ['utf-8', 'latin-1'] as const, base.encoding ?? 'utf-8');
  const delimiter = format === 'tsv' ? '\t' : r.str(o, 'delimiter', path, base.delimiter ?? ',');
  if (delimiter.length !== 1) throw new ConfigError(r.file, `${path}delimiter`, delimiter, 'a single character');
  const decimal = r.oneOf(o, 'decimal', path, ['.', ','] as const, base.decimal ?? '.');
  const dates = r.str(o, 'dates', path, base.dates ?? '%Y-%m-%d');
  const timestamps = r.str(o, 'timestamps', path, base.timestamps ?? '%Y-%m-%dT%H:%M:%S');
  for (const [key, fmt] of [['dates', dates], ['timestamps', timestamps]] as const) {
    if (!fmt.includes('%')) throw new ConfigError(r.file, `${path}${key}`, fmt, 'a strptime format such as "%d-%m-%Y"');
    const unknown = [...fmt.matchAll(/%(-?.)/g)].map((m) => m[1]!).find((d) => !STRPTIME_DIRECTIVES.has(d));
    if (unknown !== undefined) throw new ConfigError(r.file, `${path}${key}`, fmt, `a strptime format DuckDB reads: %${unknown} is none of its directives (${[...STRPTIME_DIRECTIVES].map((d) => `%${d}`).join(' ')})`);
  }
  if (format === 'tsv' && o.delimiter !== undefined && o.delimiter !== '\t') {
    throw new ConfigError(r.file, `${path}delimiter`, o.delimiter, 'no delimiter for a tsv layout (its values are separated by tabs), or format: csv');
  }
  return { format, encoding, delimiter, decimal, dates, timestamps };
}

function readColumns(r: Reader, o: Obj, path: string, allowed: readonly string[], required: readonly string[]): Record<string, string> {
  const cols = r.obj(o.columns, `${path}columns`);
  for (const [canonical, source] of Object.entries(cols)) {
    if (!allowed.includes(canonical)) throw new ConfigError(r.file, `${path}columns.${canonical}`, canonical, `a canonical column: ${knownKeysText(canonical, allowed).slice('one of '.length)}`);
    if (typeof source !== 'string' || source === '') throw new ConfigError(r.file, `${path}columns.${canonical}`, source, 'the name of a column in the file');
  }
  for (const need of required) {
    if (!(need in cols)) throw new ConfigError(r.file, `${path}columns.${need}`, undefined, 'a mapping for this required column');
  }
  return cols as Record<string, string>;
}

/** Loads one journal system's layout file (config/sources/<name>.yaml). */
export async function loadSource(file: string): Promise<Delivery[]> {
  return sourceFromDocument(file, await readYaml(file));
}

/**
 * A source layout from its parsed YAML (a lab mapping passes its own keys' remainder, and names
 * those keys in `alsoKnown`, so that a misspelt one is told apart from them); errors name `file`.
 */
export function sourceFromDocument(file: string, parsed: unknown, alsoKnown: readonly string[] = []): Delivery[] {
  const r = new Reader(file);
  const doc = r.obj(parsed, '(document)');
  // Every unknown key of the file at once, before its values: one edit fixes them all.
  onlyKeysOf(file, [
    [doc, [...SOURCE_KEYS, ...alsoKnown], ''],
    [doc.defaults, LAYOUT_KEYS, 'defaults.'],
    ...(Array.isArray(doc.deliveries) ? doc.deliveries.map((d, i) => [d, DELIVERY_KEYS, `deliveries[${i}].`] as const) : []),
  ]);
  const system = r.str(doc, 'system', '');
  const defaults = doc.defaults === undefined ? {} : r.obj(doc.defaults, 'defaults');
  // Defaults are checked as they stand; a delivery may supply what they leave out.
  const base: Partial<Layout> = defaults.format === undefined
    ? { ...readLayout(r, { ...defaults, format: 'csv' }, {}, 'defaults.'), format: undefined }
    : readLayout(r, defaults, {}, 'defaults.');
  const list = doc.deliveries;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(file, 'deliveries', list, 'a non-empty list of deliveries');
  return list.map((item, i) => {
    const path = `deliveries[${i}].`;
    const o = r.obj(item, `deliveries[${i}]`);
    const kind = r.oneOf(o, 'kind', path, KINDS);
    const layout = readLayout(r, o, base, path);
    const { required, optional } = kindSpec(kind);
    const columns = readColumns(r, o, path, [...required, ...optional], required);
    if (!columns.sor_code && !columns.ydernummer) {
      throw new ConfigError(file, `${path}columns`, Object.keys(columns), 'a mapping for sor_code or ydernummer (the clinic)');
    }
    const kinds = { A: [] as string[], B: [] as string[] };
    if (o.kinds !== undefined) {
      const k = r.obj(o.kinds, `${path}kinds`);
      for (const [key, spellings] of Object.entries(k)) {
        if (key !== 'A' && key !== 'B') throw new ConfigError(file, `${path}kinds.${key}`, key, `A or B${key.toUpperCase() === 'A' || key.toUpperCase() === 'B' ? ` (did you mean ${key.toUpperCase()}?)` : ''}`);
        if (!Array.isArray(spellings) || spellings.some((s) => typeof s !== 'string' && typeof s !== 'number')) {
          throw new ConfigError(file, `${path}kinds.${key}`, spellings, 'a list of spellings');
        }
        kinds[key] = spellings.map(String);
      }
      if (kind !== 'diagnoser') throw new ConfigError(file, `${path}kinds`, o.kinds, 'no kinds for a delivery of ' + kind + ' (only diagnoses have an A/B kind)');
      // Spellings are matched without regard to case: one under both A and B would make every
      // such aktionsdiagnose a bidiagnose (or the other way round).
      const both = kinds.A.find((a) => kinds.B.some((b) => b.toLowerCase() === a.toLowerCase()));
      if (both !== undefined) throw new ConfigError(file, `${path}kinds`, both, 'each spelling under A or B, not both (spellings match in any letter case)');
    }
    return { system, sourceFile: file, kind, files: r.str(o, 'files', path), ...layout, columns, kinds };
  });
}

export interface ConfigOverrides {
  readonly inbox?: string;
  readonly outbox?: string;
  readonly database?: string;
  readonly reports?: string;
  /** A size ("256MB") or "none" for one run, as run_input_budget. */
  readonly runInputBudget?: string;
  /** DuckDB's memory limit, as memory_limit ("4GB"). */
  readonly memoryLimit?: string;
}

/** The DuckDB settings of the configuration, as openDatabase takes them. */
export function databaseOptions(config: PipelineConfig): { memoryLimit: string; threads: number; tempDirectory?: string; preserveInsertionOrder: boolean } {
  return {
    memoryLimit: config.memoryLimit,
    threads: config.threads,
    ...(config.tempDirectory === null ? {} : { tempDirectory: config.tempDirectory }),
    preserveInsertionOrder: config.preserveInsertionOrder,
  };
}

/** Loads config/pipeline.yaml and every source it switches on; nothing touches data before this succeeds. */
function readFileMode(r: Reader, doc: Obj): FileMode {
  const mode = r.str(doc, 'file_mode', '', 'owner-only');
  if (!(FILE_MODES as readonly string[]).includes(mode)) throw new ConfigError(r.file, 'file_mode', mode, FILE_MODES.join(' or '));
  return mode as FileMode;
}

/**
 * The file_mode of a pipeline.yaml, for a command that may not load the whole configuration (one
 * given --db): null when there is no such file. A bad value is a ConfigError as in loadConfig.
 */
export async function loadFileMode(file = 'config/pipeline.yaml'): Promise<FileMode | null> {
  if (!existsSync(file)) return null;
  const r = new Reader(file);
  const doc = await readYaml(file).catch(() => null);
  return isObj(doc) ? readFileMode(r, doc) : null;
}

export async function loadConfig(file = 'config/pipeline.yaml', overrides: ConfigOverrides = {}): Promise<PipelineConfig> {
  const r = new Reader(file);
  const doc = r.obj(await readYaml(file), '(document)');
  onlyKeysOf(file, [[doc, PIPELINE_KEYS, ''], [doc.register, REGISTER_KEYS, 'register.'], [doc.reference, REFERENCE_KEYS, 'reference.']]);
  const registerDoc = r.obj(doc.register, 'register');
  const register: RegisterLayout = {
    ...readLayout(r, registerDoc, { format: 'csv' }, 'register.'),
    files: r.str(registerDoc, 'files', 'register.'),
    columns: readColumns(
      r, registerDoc, 'register.',
      ['sor_code', 'ydernummer', 'name', 'specialty', 'subspecialty', 'journal_system', 'enrolled_on'],
      ['sor_code', 'specialty', 'journal_system', 'enrolled_on'],
    ),
  };
  const sources = doc.sources;
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string')) {
    throw new ConfigError(file, 'sources', sources, 'a list of source names (files in config/sources/)');
  }
  const deliveries: Delivery[] = [];
  const available: string[] = await readdir(join(dirname(file), 'sources')).then((fs) => fs.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)), () => []);
  const systemOf = new Map<string, string>();
  for (const [i, name] of (sources as string[]).entries()) {
    if (!available.includes(name)) {
      const folder = join(dirname(file), 'sources');
      throw new ConfigError(file, `sources[${i}]`, name, available.length ? `the name of a layout in ${folder}/: ${knownKeysText(name, available.sort())}` : `the name of a layout in ${folder}/, which holds none`);
    }
    // listed twice, every file of the system would match two layouts and none would load
    if ((sources as string[]).indexOf(name) !== i) throw new ConfigError(file, `sources[${i}]`, name, 'each layout once (it is listed before)');
    const loaded = await loadSource(join(dirname(file), 'sources', `${name}.yaml`));
    // The system names the records (record_key is system:id): two layouts of one name would
    // replace each other's records of the same id.
    const system = loaded[0]!.system;
    const other = systemOf.get(system.toLowerCase());
    if (other !== undefined) throw new ConfigError(loaded[0]!.sourceFile, 'system', system, `a name no other layout has (${other} has it)`);
    systemOf.set(system.toLowerCase(), loaded[0]!.sourceFile);
    deliveries.push(...loaded);
  }
  const reference = doc.reference === undefined || doc.reference === null ? {} : r.obj(doc.reference, 'reference');
  const memoryLimit = overrides.memoryLimit ?? r.str(doc, 'memory_limit', '', '4GB');
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    if (overrides.memoryLimit !== undefined) throw new UsageError('--memory-limit', memoryLimit, 'a size such as "4GB"');
    throw new ConfigError(file, 'memory_limit', memoryLimit, 'a size such as "4GB"');
  }
  const budget = overrides.runInputBudget !== undefined ? (overrides.runInputBudget === 'none' ? null : overrides.runInputBudget) : doc.run_input_budget ?? null;
  const runInputBudget = budget === null ? null : typeof budget === 'string' ? sizeInBytes(budget) : null;
  if (budget !== null && runInputBudget === null) {
    if (overrides.runInputBudget !== undefined) throw new UsageError('--run-budget', budget, 'a size such as "256MB", or none for one run');
    throw new ConfigError(file, 'run_input_budget', budget, 'a size such as "256MB", or null for one run');
  }
  const maxFileSize = r.str(doc, 'max_file_size', '', '1GB');
  const maxFileBytes = sizeInBytes(maxFileSize);
  if (maxFileBytes === null) throw new ConfigError(file, 'max_file_size', maxFileSize, 'a size such as "1GB"');
  const sksFile = r.optStr(reference, 'sks_file', 'reference.');
  if (sksFile === '') throw new ConfigError(file, 'reference.sks_file', sksFile, 'an SKS file (SKScomplete.txt or a CSV list of codes), or null for the shipped list');
  const tempDirectory = r.optStr(doc, 'temp_directory', '');
  if (tempDirectory === '') throw new ConfigError(file, 'temp_directory', tempDirectory, 'a folder, or null for <database>.tmp');
  const timeZone = r.str(doc, 'time_zone', '', 'Europe/Copenhagen');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ConfigError(file, 'time_zone', timeZone, 'an IANA time zone such as "Europe/Copenhagen"');
  }
  return Object.freeze({
    file,
    fileMode: readFileMode(r, doc),
    inbox: resolve(overrides.inbox ?? r.str(doc, 'inbox', '')),
    outbox: resolve(overrides.outbox ?? r.str(doc, 'outbox', '')),
    database: overrides.database ?? databaseSetting(file, r.str(doc, 'database', '')),
    reports: resolve(overrides.reports ?? r.str(doc, 'reports', '', 'var/reports')),
    timeZone,
    memoryLimit,
    tempDirectory: tempDirectory === null ? null : resolve(tempDirectory),
    preserveInsertionOrder: r.bool(doc, 'preserve_insertion_order', '', true),
    threads: r.int(doc, 'threads', '', 2),
    fileConcurrency: r.int(doc, 'file_concurrency', '', 2),
    runInputBudget,
    maxFileBytes,
    maxFileSize: maxFileSize.trim(),
    register,
    deliveries,
    reference: { sksFile: sksFile ?? defaultSksFile, npuFile: r.optStr(reference, 'npu_file', 'reference.') },
    checksDir: join(dirname(file), 'checks'),
    raw: doc,
  });
}

/**
 * pipeline.yaml's `database`: a path whose folders can be folders. A file in their way is the
 * configuration's mistake (exit 2, naming the file and the key), as --db's is the command line's
 * (64, when the folder is made); nothing is created here, since readers load the configuration too.
 */
function databaseSetting(file: string, path: string): string {
  const inTheWay = fileInTheWay(dirname(resolve(path)));
  if (inTheWay !== null) throw new ConfigError(file, 'database', path, `a database file in a folder that exists or can be created (${inTheWay} is a file, not a folder)`);
  return path;
}

/** "256MB" -> bytes (B, then KB/MB/GB/TB as powers of 1000, KiB/MiB/GiB/TiB of 1024); null when not a size above 0. */
export function sizeInBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(text.trim());
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const power = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit[0] as 'b' | 'k' | 'm' | 'g' | 't'];
  const bytes = Number(m[1]) * (unit.endsWith('ib') ? 1024 : 1000) ** power;
  return bytes > 0 ? Math.round(bytes) : null;
}
