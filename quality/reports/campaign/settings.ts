// The campaign's settings: the `campaign:` block of config/pipeline.yaml, read through the
// pipeline's config loader (which also gives the database, DuckDB limits and reports folder),
// overridden by command-line flags. Errors name the file or flag, what was found and what was
// expected.
import { resolve } from 'node:path';
import { ConfigError, UsageError } from '../../../config/errors.ts';
import { onlyKeys } from '../../../config/keys.ts';
import { loadConfig } from '../../../config/load.ts';

export interface CampaignConfig {
  readonly database: string;
  readonly memoryLimit: string;
  readonly threads: number;
  /** Where reports go by default (`reports` in pipeline.yaml). */
  readonly reports: string;
  readonly target: number;
  readonly start?: string;
  readonly minClinicDiagnoses: number;
  /** Fewest diagnoses a cell (a journal system, specialty or clinic in a month or the period) needs to be shown in full and ranked. */
  readonly minCellDiagnoses: number;
  readonly pseudonymKeyFile: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function share(value: unknown): number | undefined {
  // a decimal comma as a Danish keyboard writes it: 0,8 or 80,5%
  const text = String(value).trim().replace(/^(\d*),(\d+%?)$/, '$1.$2');
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  return Number.isFinite(n) && n > 0 && n <= 1 ? n : undefined;
}

/** A target given as 0.8, "0.8", "0,8", "80%" or "80,5%". */
export function parseTarget(value: unknown, flag: string): number {
  const n = share(value);
  if (n === undefined) throw new UsageError(flag, value, 'a target share above 0 and at most 1 (0.8, 0,8 or 80%)');
  return n;
}

export function parseMonth(value: unknown, flag: string): string {
  const text = String(value).trim();
  if (!MONTH.test(text)) throw new UsageError(flag, value, 'a month as YYYY-MM');
  return text;
}

/** The keys of the `campaign:` block; any other is a configuration error. */
export const CAMPAIGN_KEYS = ['target', 'start', 'min_clinic_diagnoses', 'min_cell_diagnoses', 'pseudonym_key_file'] as const;

export type CampaignBlock = Pick<CampaignConfig, 'target' | 'start' | 'minClinicDiagnoses' | 'minCellDiagnoses' | 'pseudonymKeyFile'>;

export async function loadCampaignConfig(file: string, overrides: { database?: string } = {}): Promise<CampaignConfig> {
  const config = await loadConfig(file, { database: overrides.database });
  return {
    database: config.database,
    memoryLimit: config.memoryLimit,
    threads: config.threads,
    reports: config.reports,
    ...readCampaignBlock(file, config.raw),
  };
}

/** Reads and checks the `campaign:` block of pipeline.yaml (`raw`, the whole parsed file). */
export function readCampaignBlock(file: string, raw: Readonly<Record<string, unknown>>): CampaignBlock {
  const given = raw.campaign ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ConfigError(file, 'campaign', given, 'a mapping');
  const block = onlyKeys(file, given as Record<string, unknown>, CAMPAIGN_KEYS, 'campaign.');
  const target = share(block.target ?? 0.8);
  if (target === undefined) throw new ConfigError(file, 'campaign.target', block.target, 'a share above 0 and at most 1 (0.8 or 80%)');
  const start = block.start ?? undefined;
  if (start !== undefined && start !== null && !MONTH.test(String(start))) throw new ConfigError(file, 'campaign.start', start, 'a month as YYYY-MM');
  const min = block.min_clinic_diagnoses ?? 20;
  if (!Number.isInteger(min) || (min as number) < 1) throw new ConfigError(file, 'campaign.min_clinic_diagnoses', min, 'a whole number of at least 1');
  const minCell = block.min_cell_diagnoses ?? 30;
  if (!Number.isInteger(minCell) || (minCell as number) < 1) throw new ConfigError(file, 'campaign.min_cell_diagnoses', minCell, 'a whole number of at least 1');
  const keyFile = block.pseudonym_key_file ?? 'var/pseudonym.key';
  if (typeof keyFile !== 'string') throw new ConfigError(file, 'campaign.pseudonym_key_file', keyFile, 'a file path');
  return {
    target,
    start: start === undefined || start === null ? undefined : String(start),
    minClinicDiagnoses: min as number,
    minCellDiagnoses: minCell as number,
    // relative to the working directory, as every path in pipeline.yaml: said whole when it is created
    pseudonymKeyFile: resolve(keyFile),
  };
}
