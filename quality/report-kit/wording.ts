// How reports write counts, durations and times for a person: "1 row" and "2 rows", "246 days
// 10 hours" rather than "5906 h", and times in the configured zone with its abbreviation.

/** "1 row", "7,419 rows"; a suppressed count (null) as `hidden` with the plural noun. */
export function countOf(n: number | null, noun: string, options: { plural?: string; hidden?: string } = {}): string {
  const plural = options.plural ?? `${noun}s`;
  if (n === null) return `${options.hidden ?? '–'} ${plural}`;
  const rounded = Math.round(n);
  return `${rounded.toLocaleString('en-US')} ${rounded === 1 ? noun : plural}`;
}

/** An age or a wait in hours as days and hours ("246 days 10 hours", "5 hours", "40 minutes"). */
export function duration(hours: number): string {
  if (!Number.isFinite(hours)) return '–';
  if (hours < 1) return countOf(Math.round(hours * 60), 'minute');
  const whole = Math.round(hours);
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  if (days === 0) return countOf(rest, 'hour');
  return rest === 0 ? countOf(days, 'day') : `${countOf(days, 'day')} ${countOf(rest, 'hour')}`;
}

/** "… 48 hours …" or "… 36 h …" in a text (a threshold) with its hours as days and hours. */
export function durationsIn(text: string): string {
  return text.replace(/(\d+(?:\.\d+)?)\s?(?:hours|h)\b/g, (_, h: string) => duration(Number(h)));
}

/**
 * An instant (ISO 8601) in `timeZone` as "2026-12-05 03:30 CET": what a person in that zone
 * reads on a clock, with the zone's abbreviation (or offset) so it is never mistaken for UTC.
 */
export function localTime(iso: string, timeZone: string, options: { seconds?: boolean } = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    ...(options.seconds ? { second: '2-digit' } : {}), hourCycle: 'h23', timeZoneName: 'short',
  }).formatToParts(d);
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? '';
  const time = `${p('hour')}:${p('minute')}${options.seconds ? `:${p('second')}` : ''}`;
  return `${p('year')}-${p('month')}-${p('day')} ${time} ${p('timeZoneName')}`;
}

/** The calendar day of an instant in `timeZone`, as yyyy-mm-dd. */
export function localDay(iso: string, timeZone: string): string {
  return localTime(iso, timeZone).slice(0, 10);
}
