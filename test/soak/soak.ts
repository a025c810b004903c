// The soak: consecutive generated nights through `fangst nightly`, killed, starved of disk and
// read from meanwhile; then held against an uninterrupted replay of the same nights. The README
// ("Soak test") has the command and the figures of a full run.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { historyIn, nightlyArgs, runAttempt, type AttemptResult, type History, type ReaderResult } from './attempt.ts';
import { planNight, seededRandom, type Attempt, type FaultKind, type Random } from './faults.ts';
import { deliver, generateNights, type Night } from './nights.ts';
import { fangst, firstLine } from './processes.ts';
import { checkBatches, compareLedgers, comparePublished, leftovers, unbalancedFiles } from './verify.ts';

export interface SoakOptions {
  readonly nights: number;
  readonly seed: number;
  /** The generator's --scale: 0.001 is about 60 rows a night. */
  readonly scale: string;
  /** Scratch folder: generated nights (kept between soaks), the soak's and the replay's histories. */
  readonly work: string;
  /** The attempts of each night; by default drawn from the seed (faults.ts). */
  readonly plan?: (night: Night, random: Random) => Attempt[];
  /** Progress, one line a night. */
  readonly log?: (line: string) => void;
}

export interface SoakSummary {
  readonly nights: number;
  readonly attempts: number;
  /** Nightlies that died of SIGKILL (from outside, or at a crash point). */
  readonly kills: number;
  /** The same, by how: from outside at a random moment, or by the run itself at a crash point. */
  readonly killsBy: Readonly<Record<'random moment' | 'crash point', number>>;
  /** Faults drawn, by kind, and how many of them did not happen (the run was already past them). */
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly faultsMissed: number;
  /** The nightly's exit codes over all attempts ('SIGKILL' for a killed one). */
  readonly nightlyExits: Readonly<Record<string, number>>;
  /** Reader runs by command and exit code, e.g. "monitor 75". */
  readonly readers: Readonly<Record<string, number>>;
  readonly batches: number;
  readonly rowsCompared: number;
  /** Everything that must not happen; the soak passes when this is empty. */
  readonly defects: readonly string[];
  readonly wallSeconds: number;
  /** The folders of the soak's and the replay's histories (databases, outboxes, reports). */
  readonly histories: readonly string[];
}

/** A night that keeps failing after its planned faults is given this many more plain attempts. */
const SPARE_ATTEMPTS = 5;

class Tally {
  attempts = 0;
  kills = 0;
  /** How long the attempt that finished the last night took. */
  lastNightMs: number | undefined;
  readonly killsBy: Record<'random moment' | 'crash point', number> = { 'random moment': 0, 'crash point': 0 };
  faultsMissed = 0;
  readonly faults: Record<FaultKind, number> = { 'kill-at-moment': 0, 'kill-at-point': 0, 'disk-full': 0 };
  readonly nightlyExits: Record<string, number> = {};
  readonly readers: Record<string, number> = {};
  readonly defects: string[] = [];
  readonly killedPids = new Set<number>();
  private readerCount = 0;
  nextReader = (): number => ++this.readerCount;

  count(table: Record<string, number>, key: string): void {
    table[key] = (table[key] ?? 0) + 1;
  }
}

/** Runs the soak and its checks; never throws for a defect (it is in the summary), only for a broken set-up. */
export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const nights = await generateNights(join(options.work, 'nights'), options.nights, options.scale, options.seed);
  const soakRoot = join(options.work, `soak-${started}`);
  const soak = historyIn(soakRoot);
  const replayRoot = join(options.work, `replay-${started}`);
  const replay = historyIn(replayRoot);
  await Promise.all([soak, replay].map((h) => mkdir(h.inbox, { recursive: true })));

  // The replay first: it is the reference, and its durations tell when a random kill falls inside a run.
  const replayMs = await replayNights(replay, nights);
  log(`replay: ${nights.length} nights undisturbed in ${(replayMs.reduce((a, b) => a + b, 0) / 1000).toFixed(0)} s`);

  const random = seededRandom(options.seed);
  const plan = options.plan ?? ((_n: Night, r: Random) => planNight(r));
  const tally = new Tally();
  for (const night of nights) {
    await deliver(night, soak.inbox);
    // The shorter of the replay's time for this night and the soak's last night: the machine's
    // load changes while a soak runs, and a kill planned past the end of the run would miss it.
    const usualMs = Math.min(replayMs[night.number - 1]!, tally.lastNightMs ?? Infinity);
    const line = await soakNight(soak, plan(night, random), usualMs, tally);
    log(`night ${night.number} ${night.date}: ${line}`);
  }

  const compared = await comparePublished(soak.outbox, replay.outbox);
  const batches = await checkBatches(soak);
  tally.defects.push(
    ...compared.mismatches,
    ...batches.problems,
    ...(await leftovers(soakRoot)).map((f) => `left behind: ${f}`),
    ...(await unbalancedFiles(soak.db)).map((f) => `rows do not add up: ${f}`),
    ...(await compareLedgers(soak.db, replay.db)),
  );
  return {
    nights: nights.length, attempts: tally.attempts, kills: tally.kills, killsBy: tally.killsBy, faults: tally.faults, faultsMissed: tally.faultsMissed,
    nightlyExits: tally.nightlyExits, readers: tally.readers, batches: batches.batches, rowsCompared: compared.rows,
    defects: tally.defects, wallSeconds: Math.round((Date.now() - started) / 1000), histories: [soakRoot, replayRoot],
  };
}

/** Each night delivered and run once, nothing disturbed: the rows the soak must end with. Returns each night's duration. */
async function replayNights(h: History, nights: readonly Night[]): Promise<number[]> {
  const durations: number[] = [];
  for (const night of nights) {
    await deliver(night, h.inbox);
    const r = await fangst(nightlyArgs(h));
    if (r.code !== 0 && r.code !== 3) throw new Error(`the undisturbed replay of night ${night.date} exited ${r.signal ?? r.code}: ${firstLine(r.stderr)}`);
    durations.push(r.ms);
  }
  return durations;
}

/**
 * One night of the soak: its planned attempts, then plain ones until a run finishes it (a fault
 * planned after a run already finished the night is not used). Returns a line for the log.
 */
async function soakNight(h: History, planned: readonly Attempt[], usualMs: number, tally: Tally): Promise<string> {
  const spare: Attempt[] = Array.from({ length: SPARE_ATTEMPTS }, () => ({ fault: null, readers: [] }));
  const said: string[] = [];
  const results: Array<{ attempt: Attempt; result: AttemptResult }> = [];
  let finished = false;
  for (const attempt of [...planned, ...spare]) {
    const result = await runAttempt(h, attempt, usualMs, tally.killedPids, tally.nextReader);
    results.push({ attempt, result });
    tally.attempts++;
    if (attempt.fault) tally.faults[attempt.fault.kind]++;
    if (result.faultMissed) tally.faultsMissed++;
    if (result.outcome === 'killed' && result.pid !== undefined) tally.killedPids.add(result.pid);
    if (result.defect) tally.defects.push(result.defect);
    said.push(`${describe(attempt)} -> ${result.outcome}${result.exitCode !== null ? ` ${result.exitCode}` : ''}`);
    if (result.outcome === 'finished') {
      tally.lastNightMs = result.ms;
      finished = true;
      break;
    }
  }
  if (!finished) tally.defects.push(`a night was not finished after ${results.length} attempts: ${said.join('; ')}`);
  await settle(results, tally);
  return said.join(', ');
}

/** Waits for the night's killed nightlies and readers to be gone, and counts how they ended. */
async function settle(results: ReadonlyArray<{ attempt: Attempt; result: AttemptResult }>, tally: Tally): Promise<void> {
  for (const { attempt, result: r } of results) {
    const x = await r.exited;
    const ended = x.signal ?? String(x.code);
    tally.count(tally.nightlyExits, ended);
    if (x.signal === 'SIGKILL') {
      tally.kills++;
      tally.killsBy[attempt.fault?.kind === 'kill-at-moment' ? 'random moment' : 'crash point']++;
    }
    // A random kill that came as the run was ending: the run had finished, nothing was killed.
    else if (r.outcome === 'killed') tally.faultsMissed++;
    const readers = (await Promise.all(r.readers)).filter((x): x is ReaderResult => x !== null);
    for (const reader of readers) {
      tally.count(tally.readers, `${reader.command} ${reader.code}`);
      if (reader.defect) tally.defects.push(reader.defect);
    }
  }
}

function describe(a: Attempt): string {
  const f = a.fault;
  const fault = f === null ? 'plain' : f.kind === 'kill-at-moment' ? `kill at ${Math.round(f.fraction * 100)}%` : `${f.kind} at ${f.point}`;
  return a.readers.length > 0 ? `${fault} (+${a.readers.length} readers)` : fault;
}

/** The summary as the soak prints it. */
export function formatSummary(s: SoakSummary, command: string): string {
  const list = (t: Readonly<Record<string, number>>) => Object.entries(t).sort().map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  return [
    `soak: ${command}`,
    `nights: ${s.nights}, nightly attempts: ${s.attempts}, batches published: ${s.batches}`,
    `kills (SIGKILL): ${s.kills} (${list(s.killsBy)})`,
    `faults drawn: ${list(s.faults)}; missed (run already past them): ${s.faultsMissed}`,
    `nightly ended with: ${list(s.nightlyExits)}`,
    `readers: ${list(s.readers)}`,
    `published rows compared with the uninterrupted replay: ${s.rowsCompared}`,
    `wall time: ${s.wallSeconds} s`,
    s.defects.length === 0 ? 'result: no defect' : `result: ${s.defects.length} defects\n${s.defects.map((d) => `  - ${d}`).join('\n')}`,
  ].join('\n');
}
