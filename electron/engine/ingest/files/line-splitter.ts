// Bytes -> lines with byte offsets. Only newline-terminated lines are lines; a partial last line
// waits until the reader decides it is final (idle, rotation) and flushes it.
import { isUtf8 } from 'node:buffer';
import type { SourceLine } from './parse/types.js';

/** Lines longer than this are cut here (`truncated: true`) and the rest of the line is skipped. */
export const MAX_LINE_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** UTF-8 with U+FFFD for bad bytes; `invalid` only when the bytes really were invalid (not a literal U+FFFD). */
export function decodeUtf8(bytes: Buffer): { text: string; invalid: boolean } {
  const text = bytes.toString('utf8');
  return { text, invalid: text.includes('\uFFFD') && !isUtf8(bytes) };
}

/** The longest prefix of `bytes` (at most `limit` long) that doesn't cut a UTF-8 sequence in two. */
export function utf8SafeLength(bytes: Uint8Array, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let continuation = 0;
  while (continuation < 3 && continuation < limit && ((bytes[limit - 1 - continuation] ?? 0) & 0xc0) === 0x80) continuation++;
  const leadAt = limit - 1 - continuation;
  if (leadAt < 0) return limit;
  const lead = bytes[leadAt] ?? 0;
  const seqLen = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return continuation + 1 < seqLen ? leadAt : limit;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The current line passed the limit: its first bytes are kept, the rest is dropped until its newline. */
  private overLimit = false;
  /** A cut line was already emitted (flushed while partial): drop bytes until its newline. */
  private skipRest = false;
  /** A partial line was just flushed: a newline that completes it must not make an empty line. */
  private justFlushed = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** Whether bytes of an unfinished line are held (or being skipped). */
  get hasPartial(): boolean {
    return this.pendingBytes > 0 || this.overLimit;
  }

  /** Forget any unfinished line (the file was truncated). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.overLimit = false;
    this.skipRest = false;
    this.justFlushed = false;
  }

  /**
   * Splits `chunk`, whose first byte is at file offset `chunkOffset`. The chunk's buffer may be reused
   * by the caller afterwards: anything kept is copied.
   */
  push(chunk: Buffer, chunkOffset: number): SourceLine[] {
    const lines: SourceLine[] = [];
    let start = 0;
    if (this.justFlushed && chunk.length > 0) {
      this.justFlushed = false;
      // The flushed partial already ended that line; its late newline (or CRLF) is not a line of its own.
      if (chunk[0] === LF) start = 1;
      else if (chunk[0] === CR && chunk[1] === LF) start = 2;
    }
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) {
        this.hold(chunk.subarray(start));
        break;
      }
      const endOffset = chunkOffset + nl + 1;
      if (this.skipRest) {
        this.skipRest = false;
      } else if (this.pendingBytes === 0 && !this.overLimit) {
        lines.push(this.makeLine(chunk.subarray(start, nl), endOffset, false, true));
      } else {
        this.hold(chunk.subarray(start, nl));
        lines.push(this.takePending(endOffset, true));
      }
      start = nl + 1;
    }
    return lines;
  }

  /** The unfinished line as a line ending at `endOffset` (the file size read so far), or undefined. */
  flushPartial(endOffset: number): SourceLine | undefined {
    if (!this.hasPartial) return undefined;
    const line = this.takePending(endOffset, true);
    // A line over the limit stays over the limit: the rest of it is still skipped.
    if (line.truncated) this.skipRest = true;
    else this.justFlushed = true;
    return line;
  }

  private hold(bytes: Buffer): void {
    if (this.overLimit || this.skipRest || bytes.length === 0) return;
    const room = this.maxLineBytes - this.pendingBytes;
    if (bytes.length <= room) {
      this.pending.push(Buffer.from(bytes));
      this.pendingBytes += bytes.length;
      return;
    }
    const joined = Buffer.concat([...this.pending, bytes.subarray(0, room + 4)]);
    const keep = utf8SafeLength(joined, this.maxLineBytes);
    this.pending = [Buffer.from(joined.subarray(0, keep))];
    this.pendingBytes = keep;
    this.overLimit = true;
  }

  private takePending(endOffset: number, stripCr: boolean): SourceLine {
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const truncated = this.overLimit;
    this.pending = [];
    this.pendingBytes = 0;
    this.overLimit = false;
    return this.makeLine(bytes, endOffset, truncated, stripCr && !truncated);
  }

  private makeLine(bytes: Buffer, endOffset: number, truncated: boolean, stripCr: boolean): SourceLine {
    if (!truncated && bytes.length > this.maxLineBytes) {
      const keep = utf8SafeLength(bytes, this.maxLineBytes);
      return this.makeLine(bytes.subarray(0, keep), endOffset, true, false);
    }
    const body = stripCr && bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
    const { text, invalid } = decodeUtf8(body);
    const line: SourceLine = { text, endOffset };
    if (truncated) line.truncated = true;
    if (invalid) line.invalidUtf8 = true;
    return line;
  }
}
