import type { GeneratorConfig, SeedFigures } from './config.ts';
import { fitInteger, ipf, ipfCapped, roundControlled } from './fit.ts';
import { unitNormal, unitUniform } from './random.ts';

/**
 * The clinic plan: every clinic of the synthetic country with the exact number of records of
 * each kind it delivers. Built in two steps: the full country (scale 1), whose per-system sums
 * are the seed's first table and whose per-specialty sums are the second (additive figures
 * exactly, distinct patients in expectation); then the clinics
 * kept at scale S with every count scaled and re-apportioned so that per-system sums are
 * round(S * seed). Row-level data is generated from this plan in SQL.
 */
export interface ClinicPlan {
  readonly no: number;
  readonly sor: string;
  readonly ydernummer: string;
  readonly name: string;
  readonly specialty: number;
  /** As the register states it: 8 for some 81/82/83 clinics. */
  readonly registeredSpecialty: number;
  readonly subspecialty: number | null;
  /** Registered journal system; null for the clinic with none. */
  readonly system: string | null;
  /** The system whose files carry the clinic's records. */
  readonly deliversVia: string;
  readonly enrolledOn: string;
  a: number;
  b: number;
  u: number;
  e: number;
  be: number;
  notes: number;
  lab: number;
  /** Distinct patients of the clinic's own (home) pool. */
  patients: number;
  /** Records that go to a patient of another clinic of the same system. */
  visits: number;
  /** Offset of the clinic's home pool in its system's pool, and the pool's size. */
  patientBase: number;
  poolSize: number;
  gap: { from: string; to: string } | null;
  mixup: 'hba1c' | 'hb' | null;
}

type Measure = 'a' | 'b' | 'u' | 'e' | 'be' | 'p';
const MEASURES: Measure[] = ['a', 'b', 'u', 'e', 'be', 'p'];

interface FullClinic {
  no: number;
  system: string | null;
  specialty: number;
  weight: number;
  m: Record<Measure, number>;
  /** Records about a patient of another clinic of the same system. */
  v: number;
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Splits an integer total over weights: largest remainder, ties by position. Deterministic. */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0) {
    if (total !== 0) throw new Error(`cannot apportion ${total} over no clinics`);
    return [];
  }
  const w = sum > 0 ? weights : weights.map(() => 1);
  const ws = sum > 0 ? sum : weights.length;
  const exact = w.map((x) => (total * x) / ws);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]![1]]! += 1;
  return out;
}

const figure = (f: SeedFigures, m: Measure): number =>
  m === 'a' ? f.a : m === 'b' ? f.b : m === 'u' ? f.diagnoser - f.a - f.b : m === 'e' ? f.epikriser : m === 'be' ? f.billed : f.patients;

const records = (m: Record<Measure, number>) => m.a + m.b + m.u + m.e + m.be;

/**
 * Patients per system x specialty. The system table counts each patient once, the specialty table
 * once per specialty, so the specialty column (less the unregistered clinic's) exceeds the system
 * total by the patients seen in two specialties. Each cell gets a home pool (distinct patients of
 * its clinics; rows exact, columns the specialty figures scaled down to the system total) and
 * visits: records about a random patient of the system's pool, chosen so that the expected number
 * of distinct patients they add from other specialties makes up the difference per specialty.
 * A specialty cannot have more distinct patients than records: there its target is its records.
 */
function homePatients(n: number[][], rec: number[][], rows: number[], cols: number[]): { patients: number[][]; visits: number[][] } {
  const total = sum(rows);
  const recCols = cols.map((_, j) => sum(rec.map((r) => r[j]!)));
  const target = cols.map((t, j) => Math.min(t, recCols[j]!));
  // gamma: patients from other specialties per home patient, the same in every specialty
  const gamma = Math.max(0, sum(target) / total - 1);
  const homeCols = apportion(total, target);
  const mixed = n.map((row) => row.filter((c) => c > 0).length > 1);
  // room for the visits: a home pool leaves a share gamma of its cell's records free
  const caps = rec.map((row, i) => row.map((r, j) => (n[i]![j]! > 0 ? Math.min(r, (mixed[i] ? r / (1 + gamma) : r) + 1) : 0)));
  const patients = roundControlled(ipfCapped(rec, rows, homeCols, caps), rows, homeCols);
  const visits = n.map((row) => row.map(() => 0));
  cols.forEach((_, j) => {
    const eligible = patients.map((row, i) => (mixed[i] ? row[j]! : 0));
    const extra = apportion(Math.max(0, target[j]! - homeCols[j]!), eligible);
    extra.forEach((x, i) => {
      if (x <= 0) return;
      // k uniform draws from a pool of N reach M(1 - (1 - 1/N)^k) of the M patients outside the cell
      const pool = rows[i]!, outside = pool - patients[i]![j]!;
      const room = rec[i]![j]! - patients[i]![j]!;
      const k = x >= outside ? room : Math.ceil(Math.log(1 - x / outside) / Math.log(1 - 1 / pool));
      visits[i]![j] = Math.max(0, Math.min(k, room));
    });
  });
  return { patients, visits };
}

/** The full country at scale 1: 970 clinics with a system and the one without. */
function fullCountry(cfg: GeneratorConfig, seed: number): FullClinic[] {
  const systems = cfg.systems;
  const specs = cfg.specialties;
  const unreg = cfg.unregistered_clinic;
  // clinic counts per cell: fixed cells first, the rest spread by quantiles so that every
  // system gets a share of every specialty proportional to the sizes
  const n = systems.map(() => specs.map(() => 0));
  const si = new Map(systems.map((s, i) => [s.name, i]));
  const pi = new Map(specs.map((p, j) => [p.code, j]));
  const left = specs.map((p) => p.clinics - (p.code === unreg.specialty ? 1 : 0));
  const room = systems.map((s) => s.clinics);
  for (const f of cfg.fixed_clinics) {
    const i = si.get(f.system), j = pi.get(f.specialty);
    if (i === undefined || j === undefined) throw new Error(`fixed_clinics: unknown system or specialty ${f.system}/${f.specialty}`);
    n[i]![j]! += f.clinics;
    left[j]! -= f.clinics;
    room[i]! -= f.clinics;
  }
  const specSlots = specs.flatMap((_, j) => Array.from({ length: Math.max(0, left[j]!) }, () => j));
  const sysSlots = systems
    .flatMap((_, i) => Array.from({ length: room[i]! }, (_, k) => ({ i, pos: (k + 0.5) / room[i]! })))
    .sort((x, y) => x.pos - y.pos || x.i - y.i);
  if (specSlots.length !== sysSlots.length) throw new Error(`clinic counts disagree: ${specSlots.length} specialty slots, ${sysSlots.length} system slots`);
  sysSlots.forEach((s, k) => (n[s.i]![specSlots[k]!]! += 1));

  // the unregistered clinic's figures: the difference between the tables' additive totals
  const total = (rows: readonly SeedFigures[], m: Measure) => rows.reduce((s, r) => s + figure(r, m), 0);
  const unregFig: Record<Measure, number> = { a: 0, b: 0, u: 0, e: 0, be: 0, p: unreg.patients };
  for (const m of MEASURES) if (m !== 'p') unregFig[m] = total(specs, m) - total(systems, m);
  for (const m of MEASURES) if (unregFig[m] < 0) throw new Error(`seed tables: specialty total of ${m} is below the system total`);
  const uj = pi.get(unreg.specialty)!;

  // integer cells per measure, exact on both margins: rows = systems, columns = specialties
  // without the unregistered clinic. Diagnoses are fitted in real numbers first and give the
  // shape of A, B and the unmarked ones; each of those is then fitted to its own margins, so
  // that their sum, the diagnoses, meets both margins too.
  const colTarget = (m: Measure) => specs.map((p, j) => figure(p, m) - (j === uj ? unregFig[m] : 0));
  const rowTarget = (m: Measure) => systems.map((s) => figure(s, m));
  const regClinics = specs.map((p, j) => p.clinics - (j === uj ? 1 : 0));
  const base = (m: Measure) => n.map((row) => row.map((c, j) => (regClinics[j]! > 0 ? (c * colTarget(m)[j]!) / regClinics[j]! : 0)));
  const dRows = systems.map((s) => s.diagnoser);
  const dCols = specs.map((p, j) => p.diagnoser - (j === uj ? unregFig.a + unregFig.b + unregFig.u : 0));
  const d = ipf(n.map((row) => row.map((c, j) => (regClinics[j]! > 0 ? (c * dCols[j]!) / regClinics[j]! : 0))), dRows, dCols);
  const intCells = {} as Record<Measure, number[][]>;
  const fitted = (m: Measure, seedMatrix: number[][]) => {
    try {
      return fitInteger(seedMatrix, rowTarget(m), colTarget(m));
    } catch (err) {
      throw new Error(`seed tables: ${m} per system x specialty: ${(err as Error).message}`);
    }
  };
  for (const m of ['a', 'b', 'u'] as const) {
    const cols = colTarget(m);
    const rows = rowTarget(m);
    intCells[m] = fitted(m, d.map((row, i) => row.map((v, j) => v * (dRows[i]! > 0 ? rows[i]! / dRows[i]! : 0) * (dCols[j]! > 0 ? cols[j]! / dCols[j]! : 0))));
  }
  for (const m of ['e', 'be'] as const) intCells[m] = fitted(m, base(m));
  const recordCells = n.map((row, i) => row.map((_, j) => intCells.a[i]![j]! + intCells.b[i]![j]! + intCells.u[i]![j]! + intCells.e[i]![j]! + intCells.be[i]![j]!));
  const home = homePatients(n, recordCells, systems.map((s) => s.patients), colTarget('p'));
  intCells.p = home.patients;

  // clinics inside cells, sized by a seeded log-normal weight
  const clinics: FullClinic[] = [];
  let no = 0;
  systems.forEach((s, i) =>
    specs.forEach((p, j) => {
      const count = n[i]![j]!;
      if (count === 0) return;
      const members = Array.from({ length: count }, () => {
        no += 1;
        return { no, system: s.name, specialty: p.code, weight: Math.exp(0.6 * unitNormal(seed, 'clinic-size', no)), m: {} as Record<Measure, number>, v: 0 };
      });
      for (const m of MEASURES) {
        if (m === 'p') continue;
        const parts = apportion(intCells[m][i]![j]!, members.map((c) => c.weight));
        members.forEach((c, k) => (c.m[m] = parts[k]!));
      }
      // patients in proportion to records, visits in the room the clinic's records leave
      const recs = members.map((c) => records(c.m));
      const own = apportion(Math.min(intCells.p[i]![j]!, sum(recs)), recs).map((x, k) => Math.min(x, recs[k]!));
      const room = recs.map((r, k) => r - own[k]!);
      const visits = apportion(Math.min(home.visits[i]![j]!, sum(room)), room);
      members.forEach((c, k) => ((c.m.p = own[k]!), (c.v = visits[k]!)));
      clinics.push(...members);
    }),
  );
  clinics.push({ no: no + 1, system: null, specialty: unreg.specialty, weight: 1, m: unregFig, v: 0 });
  return clinics;
}

export interface PlanOptions {
  readonly scale: number;
  readonly seed: number;
  readonly from: string;
  readonly to: string;
  /** Keep every clinic even below scale 1: the shards of an inbox above scale 1 (see run.ts). */
  readonly keepAllClinics?: boolean;
}

/** The clinics kept at the given scale, with their exact record counts. */
export function planClinics(cfg: GeneratorConfig, opts: PlanOptions): ClinicPlan[] {
  const { scale, seed } = opts;
  const full = fullCountry(cfg, seed);
  const kept: Array<{ c: FullClinic; m: Record<Measure, number>; v: number }> = [];
  // small scales keep few clinics: make sure one internal-medicine clinic (81/82/83) is among
  // them, so that the register's leftover specialty 8 shows up in the samples
  const internal = (c: FullClinic) => c.specialty >= 81 && c.specialty <= 83;
  const forcedSystem = cfg.systems
    .map((s) => ({ name: s.name, n: full.filter((c) => c.system === s.name && internal(c)).length }))
    .sort((x, y) => y.n - x.n)[0]?.name;
  for (const s of cfg.systems) {
    const mine = full.filter((c) => c.system === s.name);
    // order: radiology first at XMedicus (imaging epikriser), then one clinic per specialty in turn
    const rankInSpec = new Map<number, number>();
    const seen = new Map<number, number>();
    for (const c of [...mine].sort((x, y) => unitUniform(seed, 'pick', x.no) - unitUniform(seed, 'pick', y.no))) {
      const r = seen.get(c.specialty) ?? 0;
      seen.set(c.specialty, r + 1);
      rankInSpec.set(c.no, r);
    }
    const ordered = [...mine].sort(
      (x, y) =>
        rankInSpec.get(x.no)! - rankInSpec.get(y.no)! ||
        Number(y.m.be > 0) - Number(x.m.be > 0) ||
        unitUniform(seed, 'spec-order', x.specialty) - unitUniform(seed, 'spec-order', y.specialty),
    );
    const keepAll = scale >= 1 || opts.keepAllClinics === true;
    if (!keepAll && s.name === forcedSystem) {
      const i = ordered.findIndex(internal);
      if (i > 0) ordered.unshift(...ordered.splice(i, 1));
    }
    const k = keepAll ? mine.length : Math.max(1, Math.min(mine.length, Math.round(scale * s.clinics)));
    const chosen = ordered.slice(0, k).sort((x, y) => x.no - y.no);
    kept.push(...scaleGroup(chosen, scaledTarget(scale, (m) => figure(s, m)), s.name));
  }
  const unreg = full.find((c) => c.system === null)!;
  kept.push(...scaleGroup([unreg], scaledTarget(scale, (m) => unreg.m[m]), 'unregistered'));
  return decorate(cfg, opts, kept);
}

/** round(S * x) per figure; unmarked diagnoses are what is left, so that diagnoses = round(S * D). */
function scaledTarget(scale: number, full: (m: Measure) => number): (m: Measure) => number {
  return (m) =>
    m === 'u'
      ? Math.round(scale * (full('a') + full('b') + full('u'))) - Math.round(scale * full('a')) - Math.round(scale * full('b'))
      : Math.round(scale * full(m));
}

function scaleGroup(chosen: FullClinic[], target: (m: Measure) => number, label: string) {
  const out = chosen.map((c) => ({ c, m: { a: 0, b: 0, u: 0, e: 0, be: 0, p: 0 } as Record<Measure, number>, v: 0 }));
  for (const m of MEASURES) {
    if (m === 'p') continue;
    const parts = apportion(target(m), chosen.map((c) => c.m[m]));
    out.forEach((o, k) => (o.m[m] = parts[k]!));
  }
  // every kept clinic delivers something: take one record from the largest clinic
  for (const o of out) {
    if (records(o.m) > 0) continue;
    const donor = [...out].sort((x, y) => y.m.u + y.m.e - (x.m.u + x.m.e))[0]!;
    const kind = donor.m.u > 1 ? 'u' : donor.m.e > 1 ? 'e' : null;
    if (!kind) throw new Error(`${label}: too few records to give every clinic one at this scale`);
    donor.m[kind] -= 1;
    o.m[kind] += 1;
  }
  const specs = new Set(chosen.map((c) => c.specialty));
  // visits: the full plan's, in proportion to the records the clinic keeps at this scale
  for (const o of out) o.v = specs.size > 1 ? Math.max(0, Math.min(records(o.m) - 1, Math.floor((o.c.v * records(o.m)) / Math.max(1, records(o.c.m))))) : 0;
  // patients: proportional, at least one per clinic, never more than the clinic's own records
  const totalP = target('p');
  const cap = out.map((o) => records(o.m) - o.v);
  let p = apportion(totalP, chosen.map((c) => c.m.p));
  p = p.map((x, k) => Math.min(Math.max(x, 1), cap[k]!));
  let diff = totalP - p.reduce((s, x) => s + x, 0);
  for (let k = 0; diff !== 0; k = (k + 1) % p.length) {
    if (diff > 0 && p[k]! < cap[k]!) (p[k]! += 1), diff--;
    else if (diff < 0 && p[k]! > 1) (p[k]! -= 1), diff++;
    if (k === p.length - 1 && diff !== 0 && p.every((x, i) => (diff > 0 ? x >= cap[i]! : x <= 1))) throw new Error(`${label}: cannot place ${totalP} patients on ${p.length} clinics`);
  }
  out.forEach((o, k) => (o.m.p = p[k]!));
  return out;
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const TOWNS = ['Århus', 'Køge', 'Næstved', 'Ålborg', 'Odense', 'Roskilde', 'Vejle', 'Esbjerg', 'Randers', 'Hillerød', 'Helsingør', 'Svendborg', 'Holbæk', 'Sønderborg', 'Fåborg', 'Græsted', 'Frederiksberg', 'Lyngby', 'Hørsholm', 'Viborg'];
const SPEC_WORD: Record<number, string> = { 1: 'Smerteklinikken', 3: 'Røntgenklinikken', 4: 'Hudklinikken', 5: 'Røntgen og Ultralyd', 6: 'Gigtklinikken', 7: 'Gynækologisk Klinik', 9: 'Kirurgisk Klinik', 18: 'Neurologisk Klinik', 19: 'Øjenlægerne', 20: 'Ortopædkirurgisk Klinik', 21: 'Øre-næse-hals Klinikken', 23: 'Plastikkirurgisk Klinik', 24: 'Psykiatrisk Praksis', 25: 'Børnelægerne', 26: 'Børne- og ungdomspsykiatrisk Praksis', 81: 'Mave-tarm Klinikken', 82: 'Hjerteklinikken', 83: 'Lungeklinikken' };

/** SOR code: 6-digit prefix, the Danish namespace 1000016, partition 00 and a check digit. */
export function sorCode(no: number, seed: number): string {
  const prefix = String(100000 + ((no * 48271 + seed * 7) % 900000));
  const body = `${prefix}100001600`;
  const check = [...body].reduce((s, ch, i) => s + Number(ch) * ((i % 6) + 2), 0) % 10;
  return `${body}${check}`;
}

function decorate(cfg: GeneratorConfig, opts: PlanOptions, kept: Array<{ c: FullClinic; m: Record<Measure, number>; v: number }>): ClinicPlan[] {
  const { seed, scale } = opts;
  const notesSystem = cfg.notes.system;
  const pools = new Map<string, number>();
  const leftoverRate = cfg.defects.specialty_8_leftover?.rate ?? 0;
  const plans: ClinicPlan[] = kept.map(({ c, m, v }) => {
    const poolKey = c.system ?? '(none)';
    const patientBase = pools.get(poolKey) ?? 0;
    pools.set(poolKey, patientBase + m.p);
    const late = unitUniform(seed, 'enrol', c.no) >= cfg.enrolment.first_day_share;
    const spread = Math.floor(unitUniform(seed, 'enrol-day', c.no) * cfg.enrolment.spread_days);
    let enrolledOn = late ? addDays(opts.from, spread) : opts.from;
    if (enrolledOn > opts.to) enrolledOn = opts.from;
    const internal = c.specialty >= 81 && c.specialty <= 83;
    const as8 = internal && unitUniform(seed, 'spec8', c.no) < leftoverRate;
    const town = TOWNS[Math.floor(unitUniform(seed, 'town', c.no) * TOWNS.length)]!;
    return {
      no: c.no,
      sor: sorCode(c.no, seed),
      ydernummer: String(((c.no * 3571 + 1234 + seed) % 999999) + 1).padStart(6, '0'),
      name: `${SPEC_WORD[c.specialty] ?? 'Speciallægepraksis'} ${town}`,
      specialty: c.specialty,
      registeredSpecialty: as8 ? 8 : c.specialty,
      subspecialty: as8 ? c.specialty : null,
      system: c.system,
      deliversVia: c.system ?? cfg.unregistered_clinic.delivers_via,
      enrolledOn,
      a: m.a, b: m.b, u: m.u, e: m.e, be: m.be,
      notes: 0, lab: 0,
      patients: m.p,
      visits: v,
      patientBase,
      poolSize: 0,
      gap: null,
      mixup: null,
    };
  });
  for (const p of plans) p.poolSize = pools.get(p.system ?? '(none)')!;
  const leftover = plans.filter((p) => p.specialty >= 81 && p.specialty <= 83);
  if (leftoverRate > 0 && leftover.length > 0 && !leftover.some((p) => p.registeredSpecialty === 8)) {
    const p = leftover[0]!;
    Object.assign(p, { registeredSpecialty: 8, subspecialty: p.specialty });
  }

  // lab results, by specialty intensity
  const labWeights = plans.map((p) => (p.a + p.b + p.u + p.e + p.be) * (cfg.lab.intensity[p.specialty] ?? 0));
  apportion(Math.round(scale * cfg.lab.total), labWeights).forEach((x, k) => (plans[k]!.lab = x));
  // notes: the pilot clinics of the pilot system
  const pilots = plans
    .filter((p) => p.deliversVia === notesSystem && p.system === notesSystem)
    .sort((x, y) => unitUniform(seed, 'pilot', x.no) - unitUniform(seed, 'pilot', y.no))
    .slice(0, Math.max(1, Math.round(scale * cfg.notes.pilot_clinics)));
  apportion(Math.max(pilots.length > 0 ? 1 : 0, Math.round(scale * cfg.notes.total)), pilots.map((p) => p.a + p.b + p.u + p.e + 1)).forEach((x, k) => (pilots[k]!.notes = x));

  // a regular, busy clinic falls silent for a week in the middle of the period
  const gapSpec = cfg.defects.delivery_gap;
  if (gapSpec) {
    const busiest = plans.filter((p) => p.system !== null && p.enrolledOn === opts.from).sort((x, y) => y.a + y.b + y.u + y.e - (x.a + x.b + x.u + x.e) || x.no - y.no);
    const mid = addDays(opts.from, Math.floor((Date.parse(opts.to) - Date.parse(opts.from)) / 86_400_000 / 2));
    const monday = addDays(mid, (8 - new Date(`${mid}T00:00:00Z`).getUTCDay()) % 7);
    for (const p of busiest.slice(0, gapSpec.clinics ?? 1)) p.gap = { from: monday, to: addDays(monday, (gapSpec.days ?? 7) - 1) };
  }
  // unit mix-ups confined to single clinics
  const hasPanel = (p: ClinicPlan, a: string) => (cfg.lab.panels[p.specialty]?.[a] ?? 0) > 0 && p.lab > 0;
  const byLab = [...plans].sort((x, y) => y.lab - x.lab || x.no - y.no);
  if (cfg.defects.lab_unit_mixup_hba1c) {
    const c = byLab.find((p) => hasPanel(p, 'hba1c') && p.mixup === null);
    if (c) c.mixup = 'hba1c';
  }
  if (cfg.defects.lab_unit_mixup_hb) {
    const c = byLab.find((p) => hasPanel(p, 'hb') && p.mixup === null);
    if (c) c.mixup = 'hb';
  }
  return plans;
}
