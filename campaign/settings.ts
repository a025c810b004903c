// The campaign's settings: the `campaign:` block of config/pipeline.yaml (plus the database
// path and DuckDB limits), overridden by command-line flags. Errors name the file, the key,
// what was found and what was expected.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface CampaignConfig {
  readonly database: string;
  readonly memoryLimit?: string;
  readonly threads?: number;
  readonly target: number;
  readonly start?: string;
  readonly minClinicDiagnoses: number;
  readonly pseudonymKeyFile: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export class CampaignConfigError extends Error {}

function fail(file: string, key: string, found: unknown, expected: string): never {
  throw new CampaignConfigError(`${file}: ${key} is ${JSON.stringify(found)}, expected ${expected}`);
}

/** Checks a target given as 0.8, "0.8" or "80%". */
export function parseTarget(value: unknown, where: string): number {
  const text = String(value).trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new CampaignConfigError(`${where}: target is ${JSON.stringify(value)}, expected a share above 0 and at most 1 (0.8 or 80%)`);
  return n;
}

export function parseMonth(value: unknown, where: string, key: string): string {
  const text = String(value).trim();
  if (!MONTH.test(text)) throw new CampaignConfigError(`${where}: ${key} is ${JSON.stringify(value)}, expected a month as YYYY-MM`);
  return text;
}

export async function loadCampaignConfig(file: string): Promise<CampaignConfig> {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new CampaignConfigError(`${file}: cannot read the configuration: ${(err as Error).message}`);
  }
  const block = (doc.campaign ?? {}) as Record<string, unknown>;
  if (typeof block !== 'object' || Array.isArray(block)) fail(file, 'campaign', block, 'a mapping');
  const database = doc.database ?? 'var/fangst.duckdb';
  if (typeof database !== 'string') fail(file, 'database', database, 'a file path');
  const min = block.min_clinic_diagnoses ?? 20;
  if (!Number.isInteger(min) || (min as number) < 1) fail(file, 'campaign.min_clinic_diagnoses', min, 'a whole number of at least 1');
  const keyFile = block.pseudonym_key_file ?? 'var/pseudonym.key';
  if (typeof keyFile !== 'string') fail(file, 'campaign.pseudonym_key_file', keyFile, 'a file path');
  return {
    database,
    memoryLimit: typeof doc.memory_limit === 'string' ? doc.memory_limit : undefined,
    threads: typeof doc.threads === 'number' ? doc.threads : undefined,
    target: parseTarget(block.target ?? 0.8, `${file}: campaign`),
    start: block.start === undefined || block.start === null ? undefined : parseMonth(block.start, file, 'campaign.start'),
    minClinicDiagnoses: min as number,
    pseudonymKeyFile: keyFile,
  };
}
