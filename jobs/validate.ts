// `fangst validate [--config FILE]`: reads every file a run would read, and the other YAML of the
// configuration folder, through the loaders the commands use, without touching a database or an
// inbox. Every problem is reported, each on a line (exit 2); a clean configuration prints what
// a run would use.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { ConfigError, NotFound, shownPath, type ConfigProblem } from '../config/errors.ts';
import { defaultSksFile, loadConfig, loadSource, type PipelineConfig } from '../config/load.ts';
import { loadGeneratorConfig } from '../data-samples/generator/config.ts';
import { loadChecks } from '../quality/engine.ts';
import { readCampaignBlock, type CampaignBlock } from '../quality/reports/campaign/settings.ts';
import { loadMapping } from '../quality/reports/lab-quality/inputs.ts';
import { loadScoreConfig } from '../quality/score.ts';
import { defaultCataloguePath, loadCatalogue } from '../transforms/reference/npu-catalogue.ts';
import { parseSksFile } from '../transforms/reference/sks-codes.ts';
import { defaultSpecialtiesPath, loadSpecialties } from '../transforms/reference/specialties.ts';
import { EXIT } from './exit-codes.ts';
import { readSchedule, type Schedule } from './schedule.ts';

export interface ValidateOptions {
  readonly config?: string;
}

/** What a run with this configuration would use; every count as the loaders read it. */
export interface Validated {
  readonly config: PipelineConfig;
  readonly sources: ReadonlyArray<{ readonly name: string; readonly system: string; readonly kinds: readonly string[] }>;
  /** Layout files in sources/ that pipeline.yaml does not switch on (validated all the same). */
  readonly sourcesOff: readonly string[];
  readonly checks: { readonly dir: string; readonly count: number; readonly byKind: Readonly<Record<string, number>> };
  readonly sks: { readonly file: string; readonly codes: number; readonly shipped: boolean };
  readonly npu: { readonly catalogue: string; readonly analyses: number; readonly official: string | null };
  readonly specialties: { readonly file: string; readonly count: number };
  readonly mappings: ReadonlyArray<{ readonly file: string; readonly layouts: number }>;
  readonly campaign: CampaignBlock | null;
  readonly schedule: Schedule | null;
}

const sameProblem = (a: ConfigProblem, b: ConfigProblem) => a.file === b.file && a.key === b.key && a.expected === b.expected && String(a.found) === String(b.found);

/** Runs each loader, collecting the problems of all of them; throws one ConfigError with every problem. */
export async function validateConfig(file = 'config/pipeline.yaml'): Promise<Validated> {
  const problems: ConfigProblem[] = [];
  const attempt = async <T>(load: () => Promise<T> | T): Promise<T | null> => {
    try {
      return await load();
    } catch (err) {
      // a source layout is read by loadConfig and again on its own: each problem once
      if (err instanceof ConfigError) problems.push(...err.problems.filter((p) => !problems.some((q) => sameProblem(p, q))));
      else if (err instanceof NotFound) problems.push({ file: shownPath(file), key: err.what, found: err.subject, expected: err.hint ?? 'a file that exists' });
      else throw err;
      return null;
    }
  };
  const dir = dirname(file);

  const config = await attempt(() => loadConfig(file));
  const switchedOn = new Set(Array.isArray(config?.raw.sources) ? (config.raw.sources as string[]) : []);
  const sourceFiles = existsSync(join(dir, 'sources')) ? (await readdir(join(dir, 'sources'))).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const sources: Array<Validated['sources'][number]> = [];
  const sourcesOff: string[] = [];
  for (const f of sourceFiles) {
    const name = f.replace(/\.ya?ml$/, '');
    const deliveries = await attempt(() => loadSource(join(dir, 'sources', f)));
    if (!switchedOn.has(name)) sourcesOff.push(name);
    else if (deliveries) sources.push({ name, system: deliveries[0]!.system, kinds: deliveries.map((d) => d.kind) });
  }

  // The blocks other parts own are read even when the rest of pipeline.yaml is wrong.
  const raw = config?.raw ?? (await parsedOrNull(file));
  const campaign = raw ? await attempt(() => readCampaignBlock(file, raw)) : null;
  const schedule = raw && raw.schedule !== undefined ? await attempt(() => readSchedule(file, raw)) : null;

  const checksDir = config?.checksDir ?? join(dir, 'checks');
  const checks = await attempt(() => loadChecks(checksDir));
  const byKind: Record<string, number> = {};
  for (const c of checks ?? []) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;

  const sksFile = config?.reference.sksFile ?? defaultSksFile;
  const sksCodes = await attempt(async () => {
    let bytes: Buffer;
    try {
      bytes = await readFile(sksFile);
    } catch (err) {
      throw new ConfigError(shownPath(file), 'reference.sks_file', sksFile, `a readable SKS file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const n = parseSksFile(bytes).length;
    if (n === 0) throw new ConfigError(shownPath(sksFile), '(content)', `${bytes.length} bytes without a code`, 'SKS diagnosis codes (D + letter + digits)');
    return n;
  });
  const official = config?.reference.npuFile ?? null;
  if (official !== null && !existsSync(official)) problems.push({ file: shownPath(file), key: 'reference.npu_file', found: official, expected: 'a readable NPU export' });
  const catalogue = await attempt(() => loadCatalogue(defaultCataloguePath));
  const specialties = await attempt(() => loadSpecialties(defaultSpecialtiesPath));

  const mappings: Array<Validated['mappings'][number]> = [];
  const mappingDir = join(dir, 'mappings');
  const mappingFiles = existsSync(mappingDir) ? (await readdir(mappingDir)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  for (const f of mappingFiles) {
    const layouts = await attempt(() => loadMapping(join(mappingDir, f)));
    if (layouts) mappings.push({ file: shownPath(join(mappingDir, f)), layouts: layouts.deliveries.length });
  }
  // The other YAML of the folder, read by fangst score and fangst generate.
  if (existsSync(join(dir, 'score.yaml'))) await attempt(() => loadScoreConfig(join(dir, 'score.yaml')));
  if (existsSync(join(dir, 'generator.yaml'))) await attempt(() => loadGeneratorConfig(join(dir, 'generator.yaml')));

  if (problems.length || !config || !checks || sksCodes === null || !catalogue || !specialties) throw ConfigError.of(problems);
  return {
    config,
    sources,
    sourcesOff,
    checks: { dir: shownPath(checksDir), count: checks.length, byKind },
    sks: { file: shownPath(sksFile), codes: sksCodes, shipped: sksFile === defaultSksFile },
    npu: { catalogue: shownPath(defaultCataloguePath), analyses: catalogue.analyses.length, official },
    specialties: { file: shownPath(defaultSpecialtiesPath), count: specialties.length },
    mappings,
    campaign,
    schedule,
  };
}

async function parsedOrNull(file: string): Promise<Record<string, unknown> | null> {
  try {
    const doc: unknown = parse(await readFile(file, 'utf8'));
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  } catch {
    return null; // loadConfig has named the file as unreadable or not YAML
  }
}

/** The report of a valid configuration, as the terminal shows it. */
export function renderValidated(v: Validated): string {
  const c = v.config;
  const kinds = new Map<string, number>();
  for (const d of c.deliveries) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  const lines = [
    `${shownPath(c.file)}: valid`,
    `sources     ${v.sources.length} journal systems, ${c.deliveries.length} layouts: ${v.sources.map((s) => s.system).join(', ')}`,
    ...(v.sourcesOff.length ? [`            not switched on (valid): ${v.sourcesOff.join(', ')}`] : []),
    `kinds       ${[...kinds].map(([k, n]) => `${k} (${n} ${n === 1 ? 'system' : 'systems'})`).join(', ')}`,
    `register    ${c.register.files}`,
    `checks      ${v.checks.count} in ${v.checks.dir}: ${Object.entries(v.checks.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `reference   SKS codes: ${v.sks.file} (${v.sks.codes.toLocaleString('en')} codes${v.sks.shipped ? ', the shipped list' : ''})`,
    `            NPU catalogue: ${v.npu.catalogue} (${v.npu.analyses} analyses); official NPU export: ${v.npu.official ?? 'none'}`,
    `            specialties: ${v.specialties.file} (${v.specialties.count} codes)`,
    ...(v.mappings.length ? [`mappings    ${v.mappings.map((m) => `${m.file} (${m.layouts} lab ${m.layouts === 1 ? 'layout' : 'layouts'})`).join(', ')}`] : []),
    ...(v.campaign ? [`campaign    target ${v.campaign.target}${v.campaign.start ? `, start ${v.campaign.start}` : ''}`] : []),
    ...(v.schedule ? [`schedule    ${v.schedule.cron} (${v.schedule.timeZone})`] : []),
    `paths       inbox ${shownPath(c.inbox)}, outbox ${shownPath(c.outbox)}, database ${c.database}, reports ${shownPath(c.reports)}`,
    `duckdb      memory_limit ${c.memoryLimit}, threads ${c.threads}, time zone ${c.timeZone}`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function runValidate(opts: ValidateOptions = {}, out: (t: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  out(renderValidated(await validateConfig(opts.config)));
  return EXIT.ok;
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('validate')
    .description('check every configuration, check, mapping and reference file, and print what a run would use (exit 2 on any problem)')
    .option('--config <file>', 'pipeline configuration; its sources/, checks/ and mappings/ beside it', 'config/pipeline.yaml')
    .action(async (o: ValidateOptions) => exit(await runValidate(o)));
}
