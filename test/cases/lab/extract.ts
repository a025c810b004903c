// A small lab extract in two journal systems' layouts (NOVAX: Latin-1 `;` CSV with decimal
// comma; EG Clinea: UTF-8 CSV with BOM), built deterministically for the lab-quality tests.
// Six clinics measure Hb and HbA1c; clinic C3 sends Hb in g/dL under the mmol/L code, clinic C5
// sends HbA1c in % under the mmol/mol code; clinic C1 also sends one row per known defect.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workspace } from '../../helpers/inbox.ts';

export const here = dirname(fileURLToPath(import.meta.url));

export const CLINICS = {
  C1: '61741000016007',
  C2: '61741000016015',
  C3: '61741000016023',
  C4: '61741000016031',
  C5: '71001000016002',
  C6: '71001000016010',
} as const;

const REGISTER = [
  'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
  `${CLINICS.C1};004391;Klinik 1;82;NOVAX;2024-11-25;`,
  `${CLINICS.C2};004392;Klinik 2;82;NOVAX;2024-11-25;`,
  `${CLINICS.C3};004393;Klinik 3;6;NOVAX;2024-11-25;`,
  `${CLINICS.C4};004394;Klinik 4;81;NOVAX;2024-11-25;`,
  `${CLINICS.C5};012345;Klinik 5;19;EG Clinea;2024-11-25;`,
  `${CLINICS.C6};012346;Klinik 6;19;EG Clinea;2024-11-25;`,
].join('\n') + '\n';

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

interface Row {
  id: string; sor: string; patient: string; code: string; codeSystem: string; name: string; value: string; operator?: string;
  unit: string; refLow?: string; refHigh?: string; refText?: string; flag?: string; status?: string; sampled: Date; resulted: Date | null;
}

const NOVAX_HEADER = 'SvarId;SORkode;Ydernr;PatientPseudo;Analysekode;Kodetype;Analysenavn;Resultat;Operator;Enhed;RefNedre;RefOevre;RefTekst;Markering;Status;Proevetid;Svartid';
const CLINEA_HEADER = 'id,sor,provider_number,patient_ref,code,code_system,name,value,operator,unit,ref_low,ref_high,ref_text,flag,status,sampled,resulted';

const pad = (n: number) => String(n).padStart(2, '0');
/** Danish local time as NOVAX writes it (the test times are winter: UTC+1). */
const local = (d: Date) => new Date(d.getTime() + 3_600_000);
const novaxTime = (u: Date) => {
  const d = local(u);
  return `${pad(d.getUTCDate())}-${pad(d.getUTCMonth() + 1)}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};
const clineaTime = (u: Date) => {
  const d = local(u);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00`;
};

function flagFor(v: number, low: number, high: number): string {
  return v > high ? 'for_hoej' : v < low ? 'for_lav' : '';
}

/** The special rows of clinic C1, by record id: what each one is about. */
export const SPECIAL = {
  retired: 'N-R1',
  local: 'N-L1',
  malformed: 'N-M1',
  censoredText: 'N-C1',
  censoredSpaced: 'N-C2',
  censoredOperator: 'N-C3',
  pending: 'N-P1',
  unparseable: 'N-U1',
  implausible: 'N-I1',
  mixupRow: 'N-X1',
  timeOrder: 'N-T1',
  future: 'N-F1',
  duplicateFirst: 'N-D1',
  duplicateSecond: 'N-D2',
  refMissing: 'N-RM',
  refInvalid: 'N-RI',
  flagWrong: 'N-FW',
  unitWrong: 'N-UW',
  converted: 'N-G1',
  nitritPos: 'N-Q1',
  nitritBad: 'N-Q2',
  unknownCode: 'N-K1',
  refOther: 'N-RO',
} as const;

/** Writes the extract (register + one NOVAX file + one EG Clinea file) into the workspace inbox. */
export async function writeLabExtract(ws: Workspace): Promise<void> {
  const u = rng(42);
  const novax: Row[] = [];
  const clinea: Row[] = [];
  const base = Date.UTC(2025, 1, 3, 8, 0);
  let n = 0;
  const at = (k: number) => new Date(base + k * 3_600_000 * 7);
  for (const [key, sor] of Object.entries(CLINICS)) {
    const out = key === 'C5' || key === 'C6' ? clinea : novax;
    for (let i = 0; i < 30; i++) {
      const v = 8.6 + 0.8 * normal(u);
      const sent = key === 'C3' ? v / 0.6206 : v;
      const sampled = at(n++);
      out.push({
        id: `${key}-HB-${i}`, sor, patient: `P${key}HB${String(i).padStart(4, '0')}`, code: 'NPU02319', codeSystem: 'NPU', name: 'B-Hæmoglobin',
        value: sent.toFixed(1), unit: 'mmol/L', refLow: '7.3', refHigh: '10.5', flag: flagFor(Number(v.toFixed(1)), 7.3, 10.5),
        status: 'svar_endeligt', sampled, resulted: new Date(sampled.getTime() + 3_600_000),
      });
    }
    if (key === 'C6') continue;
    for (let i = 0; i < 25; i++) {
      const v = Math.max(25, 44 + 8 * normal(u));
      const sent = key === 'C5' ? (v + 23.49735) / 10.929 : v;
      const sampled = at(n++);
      out.push({
        id: `${key}-A1C-${i}`, sor, patient: `P${key}AC${String(i).padStart(4, '0')}`, code: 'NPU27300', codeSystem: 'NPU', name: 'B-Hæmoglobin A1c',
        value: key === 'C5' ? sent.toFixed(1) : sent.toFixed(0), unit: 'mmol/mol', refLow: '20', refHigh: '48',
        flag: flagFor(Math.round(v), 20, 48), status: 'svar_endeligt', sampled, resulted: new Date(sampled.getTime() + 3_600_000),
      });
    }
  }
  const sor = CLINICS.C1;
  const t = at(n++);
  const later = new Date(t.getTime() + 3_600_000);
  const hb = (id: string, value: string, extra: Partial<Row> = {}): Row => ({
    id, sor, patient: `P${id.replace(/-/g, '')}0001`, code: 'NPU02319', codeSystem: 'NPU', name: 'B-Hæmoglobin', value, unit: 'mmol/L',
    refLow: '7.3', refHigh: '10.5', status: 'svar_endeligt', sampled: t, resulted: later, ...extra,
  });
  const crp = (id: string, value: string, operator?: string): Row => ({
    id, sor, patient: `P${id.replace(/-/g, '')}0001`, code: 'NPU19748', codeSystem: 'NPU', name: 'P-CRP', value, operator, unit: 'mg/L',
    refLow: '0', refHigh: '10', status: 'svar_endeligt', sampled: t, resulted: later,
  });
  novax.push(
    { ...hb(SPECIAL.retired, '30'), code: 'NPU01129', name: 'P-ALAT (gammel kode)', unit: 'U/L', refLow: '10', refHigh: '70' },
    { ...hb(SPECIAL.local, '12'), code: 'CRP-POC', codeSystem: 'Lokal', name: 'CRP kapillær', unit: 'mg/L', refLow: '0', refHigh: '10', flag: 'for_hoej' },
    { ...hb(SPECIAL.malformed, '8.6'), code: 'NPU2319' },
    crp(SPECIAL.censoredText, '<5'),
    crp(SPECIAL.censoredSpaced, '< 5.0'),
    crp(SPECIAL.censoredOperator, '5', 'mindre_end'),
    { ...hb(SPECIAL.pending, '*****'), status: 'proeve_modtaget', resulted: null },
    hb(SPECIAL.unparseable, 'se notat'),
    hb(SPECIAL.implausible, '0.2', { flag: 'for_lav' }),
    hb(SPECIAL.mixupRow, '140', { flag: 'for_hoej' }),
    hb(SPECIAL.timeOrder, '8.8', { resulted: new Date(t.getTime() - 3_600_000) }),
    hb(SPECIAL.future, '8.7', { sampled: new Date(Date.UTC(2030, 0, 2, 9)), resulted: new Date(Date.UTC(2030, 0, 2, 10)) }),
    hb(SPECIAL.duplicateFirst, '9.1', { patient: 'PDUPLICATE01' }),
    hb(SPECIAL.duplicateSecond, '9.1', { patient: 'PDUPLICATE01' }),
    hb(SPECIAL.refMissing, '8.9', { refLow: '', refHigh: '' }),
    hb(SPECIAL.refInvalid, '8.9', { refLow: '10.5', refHigh: '7.3' }),
    hb(SPECIAL.flagWrong, '8.6', { flag: 'for_hoej' }),
    { ...hb(SPECIAL.unknownCode, '8.6'), code: 'NPU99999' },
    hb(SPECIAL.refOther, '8.6', { refLow: '8.3' }),
    hb(SPECIAL.unitWrong, '8.6', { unit: 'mg/L' }),
    { ...hb(SPECIAL.converted, '110'), code: 'NPU22089', name: 'P(kB)-Glukose', unit: 'mg/dl', refLow: '76', refHigh: '113' },
    { ...hb(SPECIAL.nitritPos, 'pos'), code: 'NPU21578', name: 'U-Nitrit', unit: '', refLow: '', refHigh: '', refText: 'neg', flag: 'unormal' },
    { ...hb(SPECIAL.nitritBad, '2+'), code: 'NPU21578', name: 'U-Nitrit', unit: '', refLow: '', refHigh: '', refText: 'neg' },
  );
  await ws.put('register/klinikregister_2025-02.csv', REGISTER);
  const comma = (s: string | undefined) => (s ?? '').replace('.', ',');
  await ws.put('novax/novax_labsvar_2025-02.csv', [NOVAX_HEADER, ...novax.map((r) => [
    r.id, r.sor, '', r.patient, r.code, r.codeSystem, r.name, comma(r.value), r.operator ?? '', r.unit, comma(r.refLow), comma(r.refHigh), r.refText ?? '',
    r.flag ?? '', r.status ?? '', novaxTime(r.sampled), r.resulted ? novaxTime(r.resulted) : '',
  ].join(';'))].join('\n') + '\n', 'latin-1');
  await ws.put('eg-clinea/clinea-labresults-2025-02.csv', '\uFEFF' + [CLINEA_HEADER, ...clinea.map((r) => [
    r.id, r.sor, '', r.patient, r.code, r.codeSystem, r.name, r.value, r.operator ?? '', r.unit, r.refLow ?? '', r.refHigh ?? '', r.refText ?? '',
    r.flag ?? '', r.status ?? '', clineaTime(r.sampled), r.resulted ? clineaTime(r.resulted) : '',
  ].join(','))].join('\n') + '\n');
}
