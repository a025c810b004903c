import { readFileSync } from 'node:fs';

/** fangst's version, from its package.json: for --version and the footer of the reports. */
export function fangstVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
