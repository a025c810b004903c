import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../config/errors.ts';

/** The additive and distinct figures of one row of a seed table. */
export interface SeedFigures {
  readonly clinics: number;
  readonly patients: number;
  readonly diagnoser: number;
  readonly a: number;
  readonly b: number;
  readonly epikriser: number;
  readonly billed: number;
}

export interface SeedSystem extends SeedFigures {
  readonly name: string;
  readonly source: string;
}

export interface SeedSpecialty extends SeedFigures {
  readonly code: number;
  readonly name: string;
}

export interface Analysis {
  readonly code: string;
  readonly name: string;
  readonly unit: string;
  readonly ref?: [number, number];
  readonly mean?: number;
  readonly sd?: number;
  readonly decimals?: number;
  readonly hard?: [number, number];
  readonly lognormal?: boolean;
  readonly censor_below?: number;
  readonly qualitative?: Record<string, number>;
}

export interface DefectSpec {
  readonly data_kind: string | string[];
  readonly rate?: number;
  readonly min?: number;
  readonly clinics?: number;
  readonly days?: number;
  readonly extra: boolean;
}

export interface FileSpec {
  readonly gzip?: boolean;
  readonly bom?: boolean;
  readonly names: Record<string, string>;
}

export interface GeneratorConfig {
  readonly period: { from: string; to: string };
  readonly systems: SeedSystem[];
  readonly specialties: SeedSpecialty[];
  readonly unregistered_clinic: { specialty: number; delivers_via: string; patients: number };
  readonly fixed_clinics: Array<{ system: string; specialty: number; clinics: number }>;
  readonly enrolment: { first_day_share: number; spread_days: number };
  readonly live_from: Record<string, string>;
  readonly a_share_ramp: number;
  readonly notes: { system: string; pilot_clinics: number; total: number };
  readonly lab: {
    total: number;
    intensity: Record<string, number>;
    panels: Record<string, Record<string, number>>;
    analyses: Record<string, Analysis>;
  };
  readonly defects: Record<string, DefectSpec>;
  readonly files: Record<string, FileSpec>;
  readonly code_style: Record<string, 'icd' | 'sks'>;
  readonly codes: Record<string, string[]>;
  readonly unknown_codes: string[];
  readonly malformed_codes: string[];
}

/** Reads config/generator.yaml (or another calibration file) and checks what the generator relies on. */
export async function loadGeneratorConfig(path: string): Promise<GeneratorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, '(file)', (err as NodeJS.ErrnoException).code, 'a readable YAML file');
  }
  let cfg: GeneratorConfig;
  try {
    cfg = parse(text) as GeneratorConfig;
  } catch (err) {
    throw new ConfigError(path, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
  const fail = (key: string, found: unknown, expected: string) => {
    throw new ConfigError(path, key, found, expected);
  };
  if (!Array.isArray(cfg?.systems) || cfg.systems.length === 0) fail('systems', cfg?.systems, 'a list of journal systems');
  if (!Array.isArray(cfg.specialties)) fail('specialties', cfg.specialties, 'a list of specialties');
  const specCodes = new Set(cfg.specialties.map((s) => s.code));
  for (const s of cfg.systems) {
    if (!cfg.files?.[s.name]) fail(`files.${s.name}`, undefined, 'file names for the system');
    if (s.a + s.b > s.diagnoser) fail(`systems.${s.name}.a+b`, s.a + s.b, `at most diagnoser (${s.diagnoser})`);
  }
  for (const s of cfg.specialties) {
    if (!cfg.codes?.[s.code]) fail(`codes.${s.code}`, undefined, 'a list of SKS codes');
    if (!cfg.lab?.panels?.[s.code]) fail(`lab.panels.${s.code}`, undefined, 'a lab panel');
    for (const a of Object.keys(cfg.lab.panels[s.code]!)) if (!cfg.lab.analyses[a]) fail(`lab.panels.${s.code}.${a}`, a, 'an analysis of lab.analyses');
  }
  if (!specCodes.has(cfg.unregistered_clinic.specialty)) fail('unregistered_clinic.specialty', cfg.unregistered_clinic.specialty, 'a specialty code');
  for (const d of ['from', 'to'] as const) if (!/^\d{4}-\d{2}-\d{2}$/.test(cfg.period?.[d] ?? '')) fail(`period.${d}`, cfg.period?.[d], 'yyyy-mm-dd');
  return cfg;
}

export const defaultGeneratorConfigPath = (root: string) => join(root, 'config', 'generator.yaml');
