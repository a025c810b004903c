import { sqlString } from '../db/connection.ts';

/**
 * The strptime formats a delivered time is read with: the layout's own first, then the same
 * clock with the seconds added or left out, then the seconds with a fraction after them. Exports
 * write a time to the minute in one system, to the second in the next and to the millisecond in a
 * third (SQL Server's datetime: '08:12:33.250'; ISO 8601 also allows a comma: '08:12:33,5'); a
 * mapping is written from a few rows of one, and a time with its seconds or their fraction is no
 * less a time: rejecting its whole row for them loses a result over nothing. The seconds take the
 * separator the format puts between hours and minutes ('%H.%M' reads '08.15.42'); the fraction is
 * one to nine digits after a '.' or ',' (SQL Server's datetime2 writes seven), read to the
 * microsecond, as every time is stored (readTimesSql).
 * A format with an offset (%z) or a literal Z after the clock keeps its one spelling.
 */
export function timeFormats(format: string): string[] {
  // %H, the separator (one non-% character, or none), %M, and optionally the separator and %S, at
  // the end; the %H must not be an escaped '%%H' (an even run of % before it)
  const m = /(^|[^%])((?:%%)*)%H([^%]?)%M(?:\3%S)?$/.exec(format);
  if (m === null) return [format];
  const sep = m[3]!;
  const clock = `%H${sep}%M`;
  const head = format.slice(0, m.index + m[1]!.length + m[2]!.length);
  const withSeconds = `${head}${clock}${sep}%S`;
  const withoutSeconds = `${head}${clock}`;
  return [format, format === withSeconds ? withoutSeconds : withSeconds, `${withSeconds}.%f`, `${withSeconds},%f`];
}

/**
 * SQL reading the text `text` (SQL) with every format of timeFormats(format): null when none
 * reads it. DuckDB's %f reads six digits of a fraction at most: the digits after the sixth are
 * cut from the text first, so that seven to nine read to the microsecond, as every time is
 * stored (a TIMESTAMP). (Its %n reads nine, but as nanoseconds, whose cast to microseconds
 * rounds a time before 1970 up.)
 */
export function readTimesSql(text: string, format: string): string {
  const formats = timeFormats(format);
  const fraction = formats.some((f) => f.endsWith('%f'));
  const read = fraction ? `regexp_replace(${text}, '([.,][0-9]{6})[0-9]{1,3}$', '\\1')` : text;
  return `try_strptime(${read}, [${formats.map(sqlString).join(', ')}])`;
}
