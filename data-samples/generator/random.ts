/**
 * Seeded, order-independent pseudo-random numbers for the clinic plan (a few thousand draws;
 * row-level draws happen in SQL with DuckDB's hash()). Never Math.random: the same seed must
 * give the same plan.
 */
function mix(seed: number, stream: string, n: number): number {
  let h = 0x811c9dc5 ^ seed;
  const key = `${stream}:${n}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1). */
export function unitUniform(seed: number, stream: string, n: number): number {
  return mix(seed, stream, n) / 4294967296;
}

/** Standard normal (Box-Muller). */
export function unitNormal(seed: number, stream: string, n: number): number {
  const u1 = (mix(seed, `${stream}/1`, n) + 1) / 4294967297;
  const u2 = mix(seed, `${stream}/2`, n) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
