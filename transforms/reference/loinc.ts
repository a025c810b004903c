// LOINC codes (http://loinc.org): digits, a hyphen and one check digit. The check digit is the
// "Mod 10" algorithm of the LOINC Users' Guide (appendix "Calculating Mod 10 Check Digits"): from
// the right, the digits in odd positions are doubled, the digits of every product and of the
// digits in even positions are summed, and the check digit brings the sum to a multiple of ten
// (the same digit as the Luhn algorithm). transforms/macros/loinc.sql is the SQL twin.

/** Digits, a hyphen, one check digit (LOINC numbers have at most 7 digits before the hyphen). */
export const LOINC_FORM = /^([0-9]{1,7})-([0-9])$/;

/** The check digit of the digits before the hyphen. */
export function loincCheckDigit(body: string): number {
  if (!/^[0-9]+$/.test(body)) throw new Error(`not digits: ${body}`);
  let sum = 0;
  [...body].reverse().forEach((c, i) => {
    const d = Number(c);
    const v = i % 2 === 0 ? 2 * d : d;
    sum += v > 9 ? v - 9 : v;
  });
  return (10 - (sum % 10)) % 10;
}

/** Why `code` is not a LOINC code (form or check digit), or null when it is one. */
export function loincProblem(code: string): string | null {
  const m = LOINC_FORM.exec(code);
  if (!m) return 'digits, a hyphen and a check digit (LOINC, e.g. 2345-7)';
  const want = loincCheckDigit(m[1]!);
  return Number(m[2]) === want ? null : `check digit ${want} (LOINC's mod 10 of ${m[1]})`;
}
