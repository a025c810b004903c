// A de-identified hospital lab export of any size, written the way such exports come (a
// labevents table beside a dictionary of item codes): dates shifted ~160 years ahead, local
// numeric item codes, no clinic, New York local times, a text value holding ___ where the value
// was removed with the number beside it, repeat specimens, sex-specific reference ranges, flags
// spelled "abnormal", dipstick words, and codes delivered in two units. The lab-quality scenario
// of `npm run bench` evaluates it with fangst and with the peers' scripts.
import { mkdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { seededRandom } from '../../helpers/random.ts';

interface Item {
  readonly code: number;
  readonly label: string;
  readonly unit: string;
  readonly mean: number;
  readonly sd: number;
  readonly decimals: number;
  /** reference interval: one for all, or [female, male] */
  readonly ref: readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  /** a second unit some rows arrive in, with the factor from the first */
  readonly alt?: { readonly unit: string; readonly factor: number };
}

// Values and intervals are of the order a hospital laboratory reports (US conventional units).
const ITEMS: readonly Item[] = [
  { code: 50931, label: 'Glucose', unit: 'mg/dL', mean: 115, sd: 35, decimals: 0, ref: [70, 100], alt: { unit: 'mmol/L', factor: 1 / 18.016 } },
  { code: 50971, label: 'Potassium', unit: 'mEq/L', mean: 4.2, sd: 0.5, decimals: 1, ref: [3.3, 5.1] },
  { code: 50983, label: 'Sodium', unit: 'mEq/L', mean: 139, sd: 3.5, decimals: 0, ref: [133, 145] },
  { code: 50912, label: 'Creatinine', unit: 'mg/dL', mean: 1.1, sd: 0.5, decimals: 1, ref: [[0.4, 1.1], [0.5, 1.2]], alt: { unit: 'umol/L', factor: 88.42 } },
  { code: 51006, label: 'Urea Nitrogen', unit: 'mg/dL', mean: 20, sd: 9, decimals: 0, ref: [6, 20] },
  { code: 51221, label: 'Hematocrit', unit: '%', mean: 36, sd: 5, decimals: 1, ref: [[34, 45], [40, 52]] },
  { code: 51222, label: 'Hemoglobin', unit: 'g/dL', mean: 12, sd: 1.8, decimals: 1, ref: [[11.2, 15.7], [13.7, 17.5]], alt: { unit: 'g/L', factor: 10 } },
  { code: 51265, label: 'Platelet Count', unit: 'K/uL', mean: 240, sd: 80, decimals: 0, ref: [150, 440] },
  { code: 51301, label: 'White Blood Cells', unit: 'K/uL', mean: 8.5, sd: 3, decimals: 1, ref: [4, 11] },
  { code: 50902, label: 'Chloride', unit: 'mEq/L', mean: 102, sd: 4, decimals: 0, ref: [96, 108] },
  { code: 50882, label: 'Bicarbonate', unit: 'mEq/L', mean: 25, sd: 3, decimals: 0, ref: [22, 32] },
  { code: 50868, label: 'Anion Gap', unit: 'mEq/L', mean: 14, sd: 3, decimals: 0, ref: [8, 20] },
  { code: 50960, label: 'Magnesium', unit: 'mg/dL', mean: 2.0, sd: 0.3, decimals: 1, ref: [1.6, 2.6], alt: { unit: 'mmol/L', factor: 0.4114 } },
  { code: 50893, label: 'Calcium, Total', unit: 'mg/dL', mean: 8.9, sd: 0.6, decimals: 1, ref: [8.4, 10.3] },
  { code: 50970, label: 'Phosphate', unit: 'mg/dL', mean: 3.5, sd: 0.9, decimals: 1, ref: [2.7, 4.5] },
  { code: 51237, label: 'INR(PT)', unit: '', mean: 1.3, sd: 0.4, decimals: 1, ref: [0.9, 1.1] },
  { code: 51274, label: 'PT', unit: 'sec', mean: 14, sd: 3, decimals: 1, ref: [9.4, 12.5] },
  { code: 50861, label: 'Alanine Aminotransferase (ALT)', unit: 'IU/L', mean: 35, sd: 25, decimals: 0, ref: [0, 40] },
  { code: 50878, label: 'Asparate Aminotransferase (AST)', unit: 'IU/L', mean: 40, sd: 30, decimals: 0, ref: [0, 40] },
  { code: 50976, label: 'Protein, Total', unit: 'g/dL', mean: 6.8, sd: 0.7, decimals: 1, ref: [6.4, 8.3], alt: { unit: 'g/L', factor: 10 } },
  { code: 50862, label: 'Albumin', unit: 'g/dL', mean: 3.6, sd: 0.6, decimals: 1, ref: [3.5, 5.2] },
  { code: 50885, label: 'Bilirubin, Total', unit: 'mg/dL', mean: 0.9, sd: 0.8, decimals: 1, ref: [0, 1.5] },
  { code: 51248, label: 'MCH', unit: 'pg', mean: 30, sd: 2, decimals: 1, ref: [26, 32] },
  { code: 51250, label: 'MCV', unit: 'fL', mean: 90, sd: 6, decimals: 0, ref: [82, 98] },
];
const DIPSTICK = { code: 51492, label: 'Protein (urine dipstick)', words: ['NEG', 'TR', 'SM', 'MOD', 'LG', '30', '100'] };

export interface HospitalExtract {
  readonly dir: string;
  /** the folder lab-quality is given */
  readonly export: string;
  readonly mapping: string;
  readonly rows: number;
}

/** Writes labevents.csv (rows results), dictionary.csv and the mapping into dir. */
export async function writeHospitalExtract(dir: string, rows: number, seed = 1): Promise<HospitalExtract> {
  const rand = seededRandom(seed);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const exportDir = join(dir, 'export');
  await mkdir(exportDir, { recursive: true });
  await mkdir(join(dir, 'mapping'), { recursive: true });
  await writeFile(join(dir, 'mapping', 'dictionary.csv'),
    `itemid,label,fluid\n${[...ITEMS, DIPSTICK].map((i) => `${i.code},"${i.label}",${i === DIPSTICK ? 'Urine' : 'Blood'}`).join('\n')}\n`);
  await writeFile(join(dir, 'mapping', 'hospital.yaml'), `system: Hospital export
time_zone: America/New_York
absent: ["___"]
dates_shifted: true
deliveries:
  - kind: laboratoriesvar
    files: "labevents*.csv"
    format: csv
    timestamps: "%Y-%m-%d %H:%M:%S"
    columns:
      record_id: labevent_id
      patient: subject_id
      clinic: none
      analysis_code: itemid
      analysis_name: { lookup: dictionary.csv, on: itemid, take: label }
      code_system: { value: local }
      value: [value, valuenum]
      unit: valueuom
      ref_low: ref_range_lower
      ref_high: ref_range_upper
      abnormal_flag: flag
      sampled_at: charttime
      resulted_at: storetime
`);
  const out = createWriteStream(join(exportDir, 'labevents.csv'));
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('labevent_id,subject_id,specimen_id,itemid,charttime,storetime,value,valuenum,valueuom,ref_range_lower,ref_range_upper,flag\n');
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = (ms: number) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`;
  };
  const start = Date.UTC(2150, 0, 1);
  const span = 30 * 365 * 86_400_000;
  const patients = Math.max(50, Math.round(rows / 20));
  let id = 1;
  let specimen = 1;
  while (id <= rows) {
    // one draw: a patient's panel of several analyses at one time, now and then re-drawn
    const patient = 10_000_000 + Math.floor(rand() * patients);
    const male = patient % 2 === 1;
    const charted = start + Math.floor(rand() * span / 60_000) * 60_000;
    const stored = charted + Math.floor(30 + rand() * 600) * 60_000;
    const panel = 1 + Math.floor(rand() * 8);
    const redraw = rand() < 0.03 ? 2 : 1;
    for (let r = 0; r < redraw && id <= rows; r++, specimen++) {
      for (let k = 0; k < panel && id <= rows; k++, id++) {
        if (rand() < 0.02) {
          const word = DIPSTICK.words[Math.floor(rand() * DIPSTICK.words.length)]!;
          await write(`${id},${patient},${specimen},${DIPSTICK.code},${stamp(charted)},${stamp(stored)},${word},,mg/dL,,,${word === 'NEG' ? '' : 'abnormal'}\n`);
          continue;
        }
        const item = ITEMS[Math.floor(rand() * ITEMS.length)]!;
        const alt = item.alt && rand() < 0.05 ? item.alt : null;
        const raw = Math.max(0, item.mean + item.sd * normal());
        const [low, high] = typeof item.ref[0] === 'number' ? item.ref as [number, number] : (item.ref as [[number, number], [number, number]])[male ? 1 : 0];
        const flag = raw < low || raw > high ? 'abnormal' : '';
        const f = alt?.factor ?? 1;
        const dec = alt ? item.decimals + 1 : item.decimals;
        const num = (raw * f).toFixed(dec);
        const text = rand() < 0.04 ? '___' : rand() < 0.01 ? '' : num;
        const valuenum = text === '' ? '' : num;
        const storedAt = rand() < 0.002 ? charted - 3_600_000 : stored;
        await write(`${id},${patient},${specimen},${item.code},${stamp(charted)},${stamp(storedAt)},${text},${valuenum},${alt?.unit ?? item.unit},${(low * f).toFixed(dec)},${(high * f).toFixed(dec)},${flag}\n`);
      }
    }
  }
  out.end();
  await once(out, 'finish');
  return { dir, export: exportDir, mapping: join(dir, 'mapping', 'hospital.yaml'), rows };
}
