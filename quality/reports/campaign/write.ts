// Writes the campaign report's files: campaign.html, campaign.json and three CSV files.
import { rename, writeFile } from 'node:fs/promises';
import { makeFolder } from '../../../config/folders.ts';
import { join } from 'node:path';
import type { CampaignDocument, ClinicPick, Share } from './document.ts';
import { renderCampaignHtml } from './render-html.ts';
import { SHARE_DIGITS, toCsv, type CsvColumn } from '../../report-kit/csv.ts';

interface ShareLine extends Share {
  readonly level: string;
  readonly group: string;
}

const shareColumns: CsvColumn<ShareLine>[] = [
  { header: 'level', value: (r) => r.level },
  { header: 'group', value: (r) => r.group },
  { header: 'month', value: (r) => r.month ?? 'whole period' },
  { header: 'diagnoses', value: (r) => r.diagnoses },
  { header: 'a_diagnoses', value: (r) => r.a_diagnoses },
  { header: 'b_diagnoses', value: (r) => r.b_diagnoses },
  { header: 'marked_diagnoses', value: (r) => r.marked_diagnoses },
  { header: 'a_share', value: (r) => r.a_share, digits: SHARE_DIGITS },
  { header: 'a_share_low', value: (r) => r.a_share_low, digits: SHARE_DIGITS },
  { header: 'a_share_high', value: (r) => r.a_share_high, digits: SHARE_DIGITS },
  { header: 'marked_share', value: (r) => r.marked_share, digits: SHARE_DIGITS },
  { header: 'marked_share_low', value: (r) => r.marked_share_low, digits: SHARE_DIGITS },
  { header: 'marked_share_high', value: (r) => r.marked_share_high, digits: SHARE_DIGITS },
  { header: 'contacts', value: (r) => r.contacts },
  { header: 'contacts_one_a', value: (r) => r.contacts_one_a },
  { header: 'contact_a_share', value: (r) => r.contact_a_share, digits: SHARE_DIGITS },
  { header: 'contact_a_share_low', value: (r) => r.contact_a_share_low, digits: SHARE_DIGITS },
  { header: 'contact_a_share_high', value: (r) => r.contact_a_share_high, digits: SHARE_DIGITS },
  { header: 'few_diagnoses', value: (r) => r.few_diagnoses },
];

/** Every share of the document in one long table. */
export function shareLines(doc: CampaignDocument): ShareLine[] {
  const lines: ShareLine[] = [];
  const add = (level: string, group: string, s: { whole_period: Share; months: readonly Share[] }) => {
    lines.push({ level, group, ...s.whole_period });
    for (const m of s.months) lines.push({ level, group, ...m });
  };
  add('national', 'all', doc.national);
  add('national_without_non_marking', 'all', doc.national.without_non_marking);
  add('national_registered_systems', 'all', doc.national.registered_systems);
  for (const s of doc.journal_systems) add('journal_system', s.journal_system, s);
  for (const s of doc.specialties) add('specialty', s.specialty, s);
  for (const c of doc.clinics) add('clinic', c.clinic, c);
  return lines;
}

type FocusLine = ClinicPick & { readonly list: string };
const focusColumns: CsvColumn<FocusLine>[] = [
  { header: 'list', value: (r) => r.list },
  { header: 'clinic', value: (r) => r.clinic },
  { header: 'name', value: (r) => r.name },
  { header: 'journal_system', value: (r) => r.journal_system },
  { header: 'specialty', value: (r) => r.specialty },
  { header: 'diagnoses', value: (r) => r.diagnoses },
  { header: 'a_share', value: (r) => r.a_share, digits: SHARE_DIGITS },
  { header: 'a_short_of_target', value: (r) => r.a_short_of_target, digits: SHARE_DIGITS },
  { header: 'baseline_a_share', value: (r) => r.baseline_a_share, digits: SHARE_DIGITS },
  { header: 'recent_a_share', value: (r) => r.recent_a_share, digits: SHARE_DIGITS },
  { header: 'change', value: (r) => r.change, digits: SHARE_DIGITS },
];

type ShiftLine = CampaignDocument['national']['shift_share'][number];
const shiftColumns: CsvColumn<ShiftLine>[] = [
  { header: 'month', value: (r) => r.month },
  { header: 'previous_month', value: (r) => r.previous_month },
  { header: 'previous_a_share', value: (r) => r.previous_a_share, digits: SHARE_DIGITS },
  { header: 'a_share', value: (r) => r.a_share, digits: SHARE_DIGITS },
  { header: 'observed_change', value: (r) => r.observed_change, digits: SHARE_DIGITS },
  { header: 'within', value: (r) => r.within, digits: SHARE_DIGITS },
  { header: 'mix', value: (r) => r.mix, digits: SHARE_DIGITS },
  { header: 'residual', value: (r) => r.residual, digits: SHARE_DIGITS },
];

export interface WrittenFiles {
  readonly html: string;
  readonly json: string;
  readonly csv: readonly string[];
}

/** Writes every output into `dir`; each file appears whole (written aside, then renamed). */
export async function writeCampaignOutputs(doc: CampaignDocument, dir: string, options: { danishCsv?: boolean } = {}): Promise<WrittenFiles> {
  await makeFolder(dir, '--out');
  const csv = { danish: options.danishCsv ?? false };
  const focus: FocusLine[] = [
    ...doc.focus.below_target.map((c) => ({ list: 'below_target', ...c })),
    ...doc.focus.improved.map((c) => ({ list: 'improved', ...c })),
    ...doc.focus.fell_back.map((c) => ({ list: 'fell_back', ...c })),
  ];
  const files: Array<[string, string]> = [
    ['campaign.html', renderCampaignHtml(doc)],
    ['campaign.json', `${JSON.stringify(doc, null, 2)}\n`],
    ['campaign_shares.csv', toCsv(shareColumns, shareLines(doc), csv)],
    ['campaign_shift_share.csv', toCsv(shiftColumns, doc.national.shift_share, csv)],
    ['campaign_focus_clinics.csv', toCsv(focusColumns, focus, csv)],
  ];
  for (const [name, text] of files) {
    const path = join(dir, name);
    await writeFile(`${path}.tmp`, text, 'utf8');
    await rename(`${path}.tmp`, path);
  }
  return {
    html: join(dir, 'campaign.html'),
    json: join(dir, 'campaign.json'),
    csv: files.filter(([n]) => n.endsWith('.csv')).map(([n]) => join(dir, n)),
  };
}
