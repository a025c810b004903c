import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file's content: the ledger key, whatever the file is called. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
