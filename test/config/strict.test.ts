// Strict keys: the nearest-key guess, and each block of pipeline.yaml read by its own reader.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nearest, onlyKeys } from '../../config/keys.ts';
import { loadConfig } from '../../config/load.ts';
import { readSchedule } from '../../jobs/schedule.ts';
import { readCampaignBlock } from '../../quality/reports/campaign/settings.ts';
import { loadSpecialties } from '../../transforms/reference/specialties.ts';

describe('strict keys', () => {
  it('guesses the nearest known key for a slip of the keyboard, and nothing for an unrelated word', () => {
    const keys = ['memory_limit', 'max_file_size', 'threads', 'time_zone', 'temp_directory'];
    expect(nearest('memory_limt', keys)).toBe('memory_limit');
    expect(nearest('memroy_limit', keys)).toBe('memory_limit');
    expect(nearest('memory-limit', keys)).toBe('memory_limit');
    expect(nearest('thread', keys)).toBe('threads');
    expect(nearest('timezone', keys)).toBe('time_zone');
    expect(nearest('colour', keys)).toBeUndefined();
  });

  it('lists every unknown key of a block in one error, each with its place in the file', () => {
    expect(() => onlyKeys('f.yaml', { a: 1, cron: 2, crn: 3, tme_zone: 4 }, ['cron', 'time_zone'], 'schedule.')).toThrow(
      'f.yaml: schedule.a: found an unknown key, expected one of cron, time_zone\n'
      + 'f.yaml: schedule.crn: found an unknown key, expected one of cron, time_zone (did you mean cron?)\n'
      + 'f.yaml: schedule.tme_zone: found an unknown key, expected one of cron, time_zone (did you mean time_zone?)');
  });

  it('the campaign and schedule blocks reject keys their readers do not know', () => {
    expect(() => readCampaignBlock('p.yaml', { campaign: { targt: 0.8 } })).toThrow(
      'p.yaml: campaign.targt: found an unknown key, expected one of target, start, min_clinic_diagnoses, min_cell_diagnoses, pseudonym_key_file (did you mean target?)');
    expect(readCampaignBlock('p.yaml', { campaign: { target: '80%' } }).target).toBe(0.8);
    expect(() => readSchedule('p.yaml', { schedule: { cron: '30 2 * * *', timezone: 'Europe/Copenhagen' } })).toThrow(
      'p.yaml: schedule.timezone: found an unknown key, expected one of cron, time_zone (did you mean time_zone?)');
  });

  it('the specialty list rejects keys it does not know', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'fangst-strict-')), 'specialties.yaml');
    await writeFile(file, 'specialties:\n  - { code: 1, name: Anæstesi, retierd: true }\n');
    await expect(loadSpecialties(file)).rejects.toThrow(
      `${file}: specialties[0].retierd: found an unknown key, expected one of code, name, retired, successors (did you mean retired?)`);
  });
});

describe('pipeline.yaml sources', () => {
  it('a source name with no layout file is named with the nearest layout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-strict-'));
    await cp('config', dir, { recursive: true });
    const file = join(dir, 'pipeline.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^  - novax$/m, '  - novx'));
    await expect(loadConfig(file)).rejects.toThrow(
      new RegExp(`^${file}: sources\\[\\d\\]: found "novx", expected the name of a layout in ${dir}/sources/: one of cgm-xmo, .* \\(did you mean novax\\?\\)$`));
  });
});

// What validate passed and the night then could not use (an outside tester's layouts): each is a
// configuration error naming file, key, found and expected.
describe('layouts that cannot work together or at all', () => {
  const copy = async (edit: (dir: string) => Promise<void>) => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-strict-'));
    await cp('config', dir, { recursive: true });
    await edit(dir);
    return join(dir, 'pipeline.yaml');
  };
  const editFile = async (file: string, from: RegExp | string, to: string) => {
    const text = await readFile(file, 'utf8');
    const edited = text.replace(from, to);
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
  };

  it('a layout listed twice under sources', async () => {
    const file = await copy((dir) => editFile(join(dir, 'pipeline.yaml'), /^  - novax$/m, '  - novax\n  - novax'));
    await expect(loadConfig(file)).rejects.toThrow(/sources\[\d+\]: found "novax", expected each layout once \(it is listed before\)$/);
  });

  it('two layouts of one system name, whose records would replace each other', async () => {
    const file = await copy(async (dir) => {
      await writeFile(join(dir, 'sources', 'novax2.yaml'), (await readFile(join(dir, 'sources', 'novax.yaml'), 'utf8')).replace(/novax\//g, 'novax2/'));
      await editFile(join(dir, 'pipeline.yaml'), /^  - novax$/m, '  - novax\n  - novax2');
    });
    await expect(loadConfig(file)).rejects.toThrow(/novax2\.yaml: system: found "NOVAX", expected a name no other layout has \(.*novax\.yaml has it\)$/);
  });

  it('a diagnosis kind spelled under both A and B, in any case; kinds on letters; a delimiter for a tsv; a strptime directive DuckDB does not read', async () => {
    const novax = (dir: string) => join(dir, 'sources', 'novax.yaml');
    const clash = await copy((dir) => editFile(novax(dir), /B: \[/, 'B: [a, '));
    await expect(loadConfig(clash)).rejects.toThrow(/kinds: found "A", expected each spelling under A or B, not both \(spellings match in any letter case\)$/);
    const letters = await copy((dir) => editFile(novax(dir), /(  - kind: epikriser\n)/, '$1    kinds: { A: [H] }\n'));
    await expect(loadConfig(letters)).rejects.toThrow(/kinds: found \{"A":\["H"\]\}, expected no kinds for a delivery of epikriser/);
    const tsv = await copy((dir) => editFile(novax(dir), /  format: csv/, '  format: tsv'));
    await expect(loadConfig(tsv)).rejects.toThrow(/defaults\.delimiter: found ";", expected no delimiter for a tsv layout/);
    const directive = await copy((dir) => editFile(novax(dir), /dates: "%d-%m-%Y"/, 'dates: "%d-%q-%Y"'));
    await expect(loadConfig(directive)).rejects.toThrow(/dates: found "%d-%q-%Y", expected a strptime format DuckDB reads: %q is none of its directives/);
  });
});
