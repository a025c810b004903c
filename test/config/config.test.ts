import { mkdtemp, mkdir, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.ts';
import { loadConfig, loadSource } from '../../config/load.ts';
import { loadGeneratorConfig } from '../../data-samples/generator/config.ts';
import { loadChecks } from '../../quality/engine.ts';
import { loadScoreConfig } from '../../quality/score.ts';
import { loadCatalogue } from '../../transforms/reference/npu-catalogue.ts';

async function configCopy(edit: (pipeline: string) => string, sourceEdit?: [string, (s: string) => string]) {
  const dir = await mkdtemp(join(tmpdir(), 'fangst-config-'));
  await cp('config', dir, { recursive: true });
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  if (sourceEdit) {
    const src = join(dir, 'sources', sourceEdit[0]);
    await writeFile(src, sourceEdit[1](await readFile(src, 'utf8')));
  }
  return file;
}

describe('configuration', () => {
  it('loads the shipped configuration: nine journal systems, every data kind', async () => {
    const config = await loadConfig('config/pipeline.yaml');
    expect(new Set(config.deliveries.map((d) => d.system)).size).toBe(9);
    expect(new Set(config.deliveries.map((d) => d.kind))).toEqual(
      new Set(['diagnoser', 'epikriser', 'billeddiagnostiske_epikriser', 'notater', 'laboratoriesvar']));
    expect(new Set(config.deliveries.map((d) => d.format))).toEqual(new Set(['csv', 'tsv', 'ndjson', 'parquet']));
  });

  it('a tenth system needs one YAML file and no code', async () => {
    const file = await configCopy((s) => s.replace('  - xmedicus\n', '  - xmedicus\n  - tiende\n'));
    await writeFile(join(file, '..', 'sources', 'tiende.yaml'), [
      'system: Tiende',
      'deliveries:',
      '  - kind: diagnoser',
      '    files: "tiende/*.csv"',
      '    format: csv',
      '    delimiter: ";"',
      '    dates: "%d.%m.%Y"',
      '    columns: { record_id: Id, sor_code: SOR, patient: Pt, code: Kode, contact_date: Dato }',
    ].join('\n'));
    const config = await loadConfig(file);
    expect(config.deliveries.filter((d) => d.system === 'Tiende')).toHaveLength(1);
  });

  it('names the file, the key, what was found and what was expected', async () => {
    const file = await configCopy((s) => s, ['novax.yaml', (s) => s.replace('encoding: latin-1', 'encoding: ebcdic')]);
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      `${join(file, '..', 'sources', 'novax.yaml')}: defaults.encoding: found "ebcdic", expected one of utf-8, latin-1`);
    expect({ ...(err as ConfigError) }).toMatchObject({
      file: join(file, '..', 'sources', 'novax.yaml'), key: 'defaults.encoding', found: 'ebcdic', expected: 'one of utf-8, latin-1',
    });
  });

  it('every configuration file reports through the one ConfigError, in the same order of parts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-config-'));
    const put = async (name: string, text: string) => {
      const f = join(dir, name);
      await mkdir(join(f, '..'), { recursive: true });
      await writeFile(f, text);
      return f;
    };
    const checks = await put('checks/bad.yaml', 'checks:\n  - id: diagnoser.x\n    kind: diagnoser\n    type: not_null\n    category: looks\n');
    const catalogue = await put('npu-catalogue.yaml', 'sources: { a: b }\nanalyses: 3\n');
    const generator = await put('generator.yaml', 'systems: []\n');
    const score = await put('score.yaml', 'kinds: 3\n');
    const errors = await Promise.all([
      loadChecks(join(dir, 'checks')), loadCatalogue(catalogue, { specialties: [] }), loadGeneratorConfig(generator), loadScoreConfig(score),
    ].map((p) => (p as Promise<unknown>).catch((e: unknown) => e)));
    for (const e of errors) expect(e).toBeInstanceOf(ConfigError);
    expect(errors.map((e) => (e as ConfigError).message.split(': found ')[0])).toEqual([
      `${checks}: checks[0] (diagnoser.x).category`, `${catalogue}: analyses`, `${generator}: systems`, `${score}: kinds`,
    ]);
    expect(errors.map((e) => (e as ConfigError).message.split(': found ')[1])).toEqual([
      '"looks", expected one of conformance, completeness, plausibility, privacy', '3, expected a list of analyses', '[], expected a list of journal systems', '3, expected a map of defect kinds',
    ]);
  });

  it('rejects a layout that leaves a required column unmapped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-src-'));
    await mkdir(dir, { recursive: true });
    const f = join(dir, 'x.yaml');
    await writeFile(f, 'system: X\ndeliveries:\n  - kind: diagnoser\n    files: "x/*.csv"\n    format: csv\n    columns: { record_id: Id, sor_code: SOR, patient: Pt, code: Kode }\n');
    await expect(loadSource(f)).rejects.toThrow(`${f}: deliveries[0].columns.contact_date: found nothing, expected a mapping for this required column`);
  });

  it('rejects a memory limit and a time zone it cannot use', async () => {
    const bad = await configCopy((s) => s.replace(/^memory_limit: \S+/m, 'memory_limit: lots'));
    await expect(loadConfig(bad)).rejects.toThrow(/memory_limit: found "lots", expected a size such as "4GB"/);
    const tz = await configCopy((s) => s.replace('time_zone: Europe/Copenhagen', 'time_zone: Europe/Aarhus'));
    await expect(loadConfig(tz)).rejects.toThrow(/time_zone: found "Europe\/Aarhus", expected an IANA time zone/);
  });

  it('reads where DuckDB spills and whether it keeps insertion order, and rejects what it cannot use', async () => {
    const shipped = await loadConfig('config/pipeline.yaml');
    // Staging numbers lines in file order (ingest/stage.ts), which needs insertion order kept.
    expect(shipped).toMatchObject({ tempDirectory: null, preserveInsertionOrder: true });
    const set = await configCopy((s) => s.replace(/^temp_directory: .*$/m, 'temp_directory: var/spill')
      .replace(/^preserve_insertion_order: .*$/m, 'preserve_insertion_order: false'));
    expect(await loadConfig(set)).toMatchObject({ tempDirectory: join(process.cwd(), 'var/spill'), preserveInsertionOrder: false });
    const order = await configCopy((s) => s.replace(/^preserve_insertion_order: .*$/m, 'preserve_insertion_order: sometimes'));
    await expect(loadConfig(order)).rejects.toThrow(`${order}: preserve_insertion_order: found "sometimes", expected true or false`);
    const temp = await configCopy((s) => s.replace(/^temp_directory: .*$/m, 'temp_directory: 12'));
    await expect(loadConfig(temp)).rejects.toThrow(`${temp}: temp_directory: found 12, expected a string or null`);
  });
});
