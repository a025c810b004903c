// Strict keys for every configuration file: a key no reader knows is an error that names the
// file, the key and the nearest known key, because a misspelt key otherwise runs with the
// default it was meant to change. Each block's reader declares its own keys and calls these.
import { ConfigError, UNKNOWN_KEY, type ConfigProblem } from './errors.ts';

/** Edit distance with adjacent swaps (Damerau's optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known key nearest to `word`, when it is near enough to be a slip of the keyboard: at most
 * a third of the word's length in edits (case and `-`/`_` ignored), or one containing the other.
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll('-', '_');
  const w = norm(word);
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const k = norm(key);
    const distance = k === w ? 0 : editDistance(w, k);
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (!best) return undefined;
  const k = norm(best.key);
  const limit = Math.max(1, Math.floor(Math.max(w.length, k.length) / 3));
  if (best.distance <= limit) return best.key;
  const contained = known.find((key) => w.length >= 3 && (norm(key).includes(w) || w.includes(norm(key))));
  return contained;
}

/** `one of a, b, c (did you mean b?)`: the expected part of an unknown-key problem. */
export function knownKeysText(key: string, known: readonly string[]): string {
  const guess = nearest(key, known);
  return `one of ${known.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}`;
}

/**
 * One problem per key of `block` that is not in `known`. `path` is the block's place in the
 * file (`campaign.`, `deliveries[0].`), empty for the top level.
 */
export function unknownKeys(file: string, block: Readonly<Record<string, unknown>>, known: readonly string[], path = ''): ConfigProblem[] {
  return Object.keys(block)
    .filter((k) => !known.includes(k))
    .map((k) => ({ file, key: `${path}${k}`, found: UNKNOWN_KEY, expected: knownKeysText(k, known) }));
}

/** Throws one ConfigError listing every unknown key of `block`; returns the block when there is none. */
export function onlyKeys<T extends Readonly<Record<string, unknown>>>(file: string, block: T, known: readonly string[], path = ''): T {
  const problems = unknownKeys(file, block, known, path);
  if (problems.length) throw ConfigError.of(problems);
  return block;
}
