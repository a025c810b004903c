// `fangst campaign`: the aktionsdiagnose share by month, nationally and per journal system,
// specialty and clinic, against FAPS's target. SQL in transforms/marts/campaign_*.sql,
// the document and its rendering in campaign/.
import { join } from 'node:path';
import type { Command } from 'commander';
import { computeCampaign } from '../quality/reports/campaign/collect.ts';
import { buildDocument, type CampaignDocument } from '../quality/reports/campaign/document.ts';
import { loadCampaignConfig, parseMonth, parseTarget } from '../quality/reports/campaign/settings.ts';
import { UsageError } from '../config/errors.ts';
import { writeCampaignOutputs, type WrittenFiles } from '../quality/reports/campaign/write.ts';
import { formatCount, formatPercent, formatPoints } from '../quality/report-kit/html.ts';
import { Pseudonymiser, loadPseudonymKey } from '../quality/report-kit/suppress.ts';
import { EXIT } from './exit-codes.ts';
import { openForReading } from './open-database.ts';

export interface CampaignOptions {
  readonly config?: string;
  readonly db?: string;
  readonly from?: string;
  readonly to?: string;
  readonly target?: string | number;
  readonly start?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly shareable?: boolean;
  readonly danishCsv?: boolean;
  readonly now?: Date;
}

export interface CampaignResult {
  readonly exitCode: number;
  readonly document?: CampaignDocument;
  readonly files?: WrittenFiles;
}

interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * Runs the campaign report; prints JSON (--json) or a summary, and writes the files. A period
 * without diagnoses is an outcome (exit 1), not an error; a bad flag, configuration or database
 * is thrown.
 */
export async function runCampaign(opts: CampaignOptions, io: Output = stdio): Promise<CampaignResult> {
  const from = opts.from === undefined ? undefined : parseMonth(opts.from, '--from');
  const to = opts.to === undefined ? undefined : parseMonth(opts.to, '--to');
  if (from && to && from > to) throw new UsageError('--to', to, `a month not before --from ${from}`);
  const start = opts.start === undefined ? undefined : parseMonth(opts.start, '--start');
  const target = opts.target === undefined ? undefined : parseTarget(opts.target, '--target');
  const config = await loadCampaignConfig(opts.config ?? 'config/pipeline.yaml', { database: opts.db });
  const settings = { from, to, start: start ?? config.start, target: target ?? config.target, minClinicDiagnoses: config.minClinicDiagnoses, minCellDiagnoses: config.minCellDiagnoses };
  const dbPath = config.database;
  const db = await openForReading(dbPath, { memoryLimit: config.memoryLimit, threads: config.threads });
  let document: CampaignDocument;
  try {
    const conn = await db.connect();
    const data = await computeCampaign(conn, settings);
    if (data.months.length === 0) {
      io.err(`fangst campaign: no diagnoses between ${settings.from ?? 'the start'} and ${settings.to ?? 'the end'} in ${dbPath}\n`);
      return { exitCode: EXIT.failed };
    }
    const newKey = (file: string) => io.err(`fangst campaign: created a new pseudonym key in ${file} (campaign.pseudonym_key_file): keep it, or the clinics' pseudonyms in shareable reports change\n`);
    const pseudonymiser = opts.shareable ? new Pseudonymiser(await loadPseudonymKey(config.pseudonymKeyFile, process.env, newKey)) : undefined;
    document = buildDocument(data, { shareable: opts.shareable ?? false, pseudonymiser, generatedAt: opts.now });
  } finally {
    db.close();
  }

  const outDir = opts.out ?? (opts.json ? undefined : join(config.reports, opts.shareable ? 'campaign-shareable' : 'campaign'));
  const files = outDir ? await writeCampaignOutputs(document, outDir, { danishCsv: opts.danishCsv }) : undefined;
  if (opts.json) io.out(`${JSON.stringify(document, null, 2)}\n`);
  else io.out(summary(document, files));
  return { exitCode: EXIT.ok, document, files };
}

function summary(doc: CampaignDocument, files: WrittenFiles | undefined): string {
  const n = doc.national;
  const last = n.months.at(-1);
  const lines = [
    `campaign ${doc.period.from} to ${doc.period.to}: A-share ${formatPercent(n.whole_period.a_share)} (${formatCount(n.whole_period.a_diagnoses)} of ${formatCount(n.whole_period.diagnoses)} diagnoses)`,
    `  ${last?.month}: A-share ${formatPercent(last?.a_share)}, marked ${formatPercent(last?.marked_share)}; change since ${n.change_since_start?.from_month ?? doc.campaign_start}: ${formatPoints(n.change_since_start?.change)}`,
    `  without systems that cannot mark (${doc.non_marking_systems.join(', ') || 'none'}): ${formatPercent(n.without_non_marking.whole_period.a_share)}`,
    `  contacts with exactly one A: ${formatPercent(n.whole_period.contact_a_share)} (${formatCount(n.whole_period.contacts_one_a)} of ${formatCount(n.whole_period.contacts)} contacts); ${last?.month}: ${formatPercent(last?.contact_a_share)}`,
    `  ${n.trend?.verdict ?? 'no trend'}`,
  ];
  if (files) lines.push(`wrote ${files.html}, ${files.json} and ${files.csv.length} CSV files`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('campaign')
    .description('aktionsdiagnose (A) share by month, nationally and per journal system, specialty and clinic, against the target')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB database (default: from the configuration)')
    .option('--from <YYYY-MM>', 'first month of the period (default: the first diagnosis)')
    .option('--to <YYYY-MM>', 'last month of the period (default: the last diagnosis)')
    .option('--target <share>', 'target A-share, 0.8 or 80% (default: campaign.target)')
    .option('--start <YYYY-MM>', 'campaign start month (default: campaign.start)')
    .option('--out <dir>', 'write campaign.html, campaign.json and CSV files here (default: <reports>/campaign unless --json)')
    .option('--json', 'print the report document as JSON on stdout')
    .option('--shareable', 'pseudonymise clinics and suppress counts of 1-4')
    .option('--danish-csv', 'CSV for Danish Excel: ; separator, decimal comma')
    .action(async (o: CampaignOptions) => exit((await runCampaign(o)).exitCode));
}
