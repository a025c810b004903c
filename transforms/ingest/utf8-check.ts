// Whether a file a layout declares Latin-1 is UTF-8 after all. A UTF-8 file read as Latin-1
// garbles every character beyond ASCII into two or three (µmol/L as Âµmol/L, æ as Ã¦): units no
// longer match, names are unreadable, and an identifier in full-width digits is no longer found.
// Latin-1 text is almost never valid UTF-8 with a multi-byte sequence in it (a Danish æ is 0xE6,
// which would need two continuation bytes after it, and an ASCII letter follows), so such a file
// is read as UTF-8, with a warning that says so; and a file that is not UTF-8 as a whole but holds
// UTF-8 sequences (a Latin-1 file another program appended UTF-8 lines to) is read line by line.
import { isAscii, isUtf8 } from 'node:buffer';
import { contentStream } from './content-stream.ts';
import { UTF8_BOM, withoutBom } from './header.ts';

// A UTF-8 sequence of two, three or four bytes, as its bytes read one character each (latin1).
const UTF8_SEQUENCE = /[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}/;

/** Feeds a file's bytes chunk by chunk; `verdict` then says what they are. */
export class Utf8Check {
  private carry = Buffer.alloc(0);
  // the last bytes seen, up to three: a sequence cut between two chunks is found across them
  private tail = Buffer.alloc(0);
  private valid = true;
  private multiByte = false;
  private sequenceAmongOthers = false;
  // a NUL byte: binary or UTF-16, not text in one encoding or two
  private binary = false;
  private started = false;
  private lead = Buffer.alloc(0);

  /** `nulIsText`: a NUL byte is the character U+0000, as in one line of a file known to be text. */
  constructor(private readonly nulIsText = false) {}

  /** Whether more bytes could change the verdict. */
  get open(): boolean {
    return !this.binary && (this.valid || !this.sequenceAmongOthers);
  }

  push(chunk: Buffer): void {
    if (this.started) return this.take(chunk);
    // A UTF-8 byte order mark says nothing of the text after it: Windows programs write it before
    // Windows-1252 text too, which would then look like UTF-8 lines beside Latin-1 ones. The first
    // bytes wait until they show whether they are one.
    this.lead = Buffer.concat([this.lead, chunk]);
    if (this.lead.length < UTF8_BOM.length && this.lead.equals(UTF8_BOM.subarray(0, this.lead.length))) return;
    this.startWithLead();
  }

  private startWithLead(): void {
    this.started = true;
    const lead = withoutBom(this.lead);
    this.lead = Buffer.alloc(0);
    this.take(lead);
  }

  private take(chunk: Buffer): void {
    if (!this.nulIsText && chunk.includes(0)) this.binary = true;
    if (this.binary) return;
    if (!this.valid) {
      // no UTF-8 file: is any of it UTF-8 all the same (lines appended by another program)?
      const seen = Buffer.concat([this.tail, chunk]);
      this.sequenceAmongOthers ||= UTF8_SEQUENCE.test(seen.toString('latin1'));
      this.tail = Buffer.from(seen.subarray(Math.max(0, seen.length - 3)));
      return;
    }
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    this.tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 3)));
    // a sequence cut at the chunk's end waits for the next chunk: back up to its lead byte
    let cut = bytes.length;
    for (let back = 1; back <= 3 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back]!;
      if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (need > back) cut = bytes.length - back;
      break;
    }
    const whole = bytes.subarray(0, cut);
    // the chunks before were valid UTF-8: any multi-byte character among them is a UTF-8 sequence
    const before = this.multiByte;
    if (!this.multiByte && !isAscii(whole)) this.multiByte = true;
    this.valid = isUtf8(whole);
    this.carry = Buffer.from(bytes.subarray(cut));
    if (!this.valid) this.sequenceAmongOthers = before || UTF8_SEQUENCE.test(whole.toString('latin1'));
  }

  /**
   * 'utf-8': valid UTF-8 with at least one multi-byte character; 'ascii': nothing beyond ASCII;
   * 'mixed': not UTF-8 as a whole, but holding UTF-8 sequences beside other bytes (a Latin-1 file
   * that another program appended UTF-8 lines to); 'other' (Latin-1, or bytes with a NUL among them).
   */
  verdict(): 'utf-8' | 'ascii' | 'mixed' | 'other' {
    if (!this.started) this.startWithLead();
    if (this.binary) return 'other';
    if (!this.valid) return this.sequenceAmongOthers ? 'mixed' : 'other';
    // the file ends inside a sequence: the last byte or bytes are no UTF-8
    if (this.carry.length > 0) return this.multiByte ? 'mixed' : 'other';
    return this.multiByte ? 'utf-8' : 'ascii';
  }
}

/** The warning of a file read as UTF-8 although its layout says Latin-1. */
export const READ_AS_UTF8 = 'read as UTF-8: the file its layout declares Latin-1 is valid UTF-8 with characters beyond ASCII (read as Latin-1, µ would be Âµ and æ Ã¦)';

/** The warning of a file read line by line, each line in the encoding it is in. */
export const READ_PER_LINE = 'read line by line: the file its layout declares Latin-1 holds lines in UTF-8 beside Latin-1 (Windows-1252) ones; each is read as what it is';

/** A file's verdict (gzip-aware), read until it is decided or the file ends. */
export async function fileEncoding(path: string): Promise<'utf-8' | 'ascii' | 'mixed' | 'other'> {
  const check = new Utf8Check();
  const stream = contentStream(path);
  try {
    for await (const chunk of stream) {
      check.push(chunk as Buffer);
      if (!check.open) break;
    }
  } finally {
    stream.destroy();
  }
  return check.verdict();
}
