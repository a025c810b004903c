// Disclosure control for reports that leave the operating environment: counts of 1-4 are
// suppressed, and so is every share whose numerator, denominator or complement is such a count
// (a share of 97 out of 100 would otherwise reveal the 3). Clinics get stable pseudonyms: an
// HMAC of the SOR code under a secret key, so nobody without the key can map a pseudonym back
// by hashing the public list of SOR codes.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../../config/errors.ts';

/** Counts from 1 to this value are suppressed; 0 is shown (it reveals no person). */
export const SMALL_COUNT_MAX = 4;

export function isSmallCount(n: number | bigint | null | undefined): boolean {
  if (n === null || n === undefined) return false;
  const v = Number(n);
  return v >= 1 && v <= SMALL_COUNT_MAX;
}

/** The count, or null when it is 1-4. */
export function suppressCount(n: number | null): number | null {
  return isSmallCount(n) ? null : n;
}

export interface ProtectedShare {
  readonly numerator: number | null;
  readonly denominator: number | null;
  /** True when the share itself must not be shown. */
  readonly suppressed: boolean;
}

/**
 * Decides what of a proportion may be shown. The denominator is hidden when it is 1-4 (and then
 * everything is); the numerator and the share are hidden when the numerator or the complement
 * (denominator - numerator) is 1-4.
 */
export function protectShare(numerator: number, denominator: number): ProtectedShare {
  if (isSmallCount(denominator)) return { numerator: null, denominator: null, suppressed: true };
  if (denominator === 0) return { numerator, denominator, suppressed: true };
  if (isSmallCount(numerator) || isSmallCount(denominator - numerator)) return { numerator: null, denominator, suppressed: true };
  return { numerator, denominator, suppressed: false };
}

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Maps identifiers (SOR codes) to stable pseudonyms such as "K-7QX2M9PA". */
export class Pseudonymiser {
  readonly #key: Buffer;
  readonly #prefix: string;
  readonly #seen = new Map<string, string>();

  constructor(key: Buffer | string, prefix = 'K') {
    const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (k.length < 16) throw new Error(`pseudonym key too short: ${k.length} bytes, need at least 16`);
    this.#key = k;
    this.#prefix = prefix;
  }

  /** The pseudonym of `id`: 40 bits of HMAC-SHA256 in Crockford base32. Throws on a collision. */
  of(id: string): string {
    const digest = createHmac('sha256', this.#key).update(id, 'utf8').digest();
    let bits = 0n;
    for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]!);
    let text = '';
    for (let i = 7; i >= 0; i--) text += crockford[Number((bits >> BigInt(i * 5)) & 31n)];
    const pseudonym = `${this.#prefix}-${text}`;
    const earlier = this.#seen.get(pseudonym);
    if (earlier !== undefined && earlier !== id) throw new Error(`pseudonym collision: ${pseudonym}`);
    this.#seen.set(pseudonym, id);
    return pseudonym;
  }
}

/**
 * The pseudonym key: FANGST_PSEUDONYM_KEY when set, else the key file, created with 32 random
 * bytes (mode 0600) the first time, and then `created` is called with it: a new key changes every
 * pseudonym, so the user is told. Keep the file to keep pseudonyms stable between reports.
 */
export async function loadPseudonymKey(keyFile: string, env: NodeJS.ProcessEnv = process.env, created?: (keyFile: string) => void): Promise<Buffer> {
  const fromEnv = env.FANGST_PSEUDONYM_KEY;
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  try {
    const text = (await readFile(keyFile, 'utf8')).trim();
    // the key itself stays out of the message
    if (!/^[0-9a-f]{64}$/.test(text)) throw new ConfigError(keyFile, '(content)', `${text.length} characters`, '64 hex digits (campaign.pseudonym_key_file)');
    return Buffer.from(text, 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = randomBytes(32);
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).then(() => created?.(keyFile), async (e) => {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    });
    return Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'hex');
  }
}
