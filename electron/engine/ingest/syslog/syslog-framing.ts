// Syslog over TCP → messages. RFC 6587's two framings, told apart by each frame's first byte: octet
// counting (`MSG-LEN SP MSG`, RFC 5425's) when it is a digit, else non-transparent framing — each
// message ends at a NUL (what Python's SysLogHandler sends: `<PRI>msg\0`, a traceback's newlines
// inside) or, on a connection that has never sent a NUL, at a newline (rsyslog, logger --tcp).
// Bounded: a message longer than `maxMessageBytes` is cut there (kept, marked truncated) and the
// rest of it skipped up to its end, where reading goes on; a frame length past it is skipped the same way.

export interface SyslogFrame {
  bytes: Buffer;
  /** The message was longer than the limit: this is its head. */
  truncated: boolean;
}

/** What is wrong with the stream (counted by the source); reading goes on after it. */
export interface FramingProblem {
  reason: 'tooLong' | 'badLength';
  message: string;
}

const NUL = 0x00;
const LF = 0x0a;
const SPACE = 0x20;
/** Digits of an octet count before its space, at most (a 10-digit count is already past any limit). */
const MAX_COUNT_DIGITS = 10;

export class SyslogStreamSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of an over-long message still to skip (octet counting), or -1 to skip to the next delimiter. */
  private skip = 0;
  private nulFramed = false;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly onProblem: (p: FramingProblem) => void,
  ) {}

  /** The complete messages in this chunk (and what was pending before it). */
  push(chunk: Buffer): SyslogFrame[] {
    if (!this.nulFramed && chunk.indexOf(NUL) !== -1) this.nulFramed = true;
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: SyslogFrame[] = [];
    let pos = 0;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) break;
      }
      if (this.skip === -1) {
        const end = this.delimiterAt(data, pos);
        if (end === -1) {
          pos = data.length;
          break;
        }
        pos = end + 1;
        this.skip = 0;
      }
      // Blank frames between messages (a trailing newline after a NUL, keep-alives)
      while (pos < data.length && (data[pos] === LF || data[pos] === NUL || data[pos] === 0x0d)) pos++;
      if (pos >= data.length) break;
      const first = data[pos]!;
      if (first >= 0x30 && first <= 0x39) {
        const sp = data.indexOf(SPACE, pos);
        const digitsEnd = sp === -1 ? data.length : sp;
        if (digitsEnd - pos > MAX_COUNT_DIGITS || !/^\d*$/.test(data.toString('latin1', pos, digitsEnd))) {
          this.onProblem({
            reason: 'badLength',
            message: `a frame starts with ${JSON.stringify(data.toString('latin1', pos, Math.min(digitsEnd, pos + 20)))}, neither an octet count nor <PRI>`,
          });
          this.skip = -1;
          continue;
        }
        if (sp === -1) break;
        const length = Number(data.toString('latin1', pos, sp));
        if (length > this.maxMessageBytes) {
          if (data.length - (sp + 1) < this.maxMessageBytes) break;
          this.onProblem({
            reason: 'tooLong',
            message: `a message of ${length} bytes announced, over the limit of ${this.maxMessageBytes}: its head is kept, the rest skipped`,
          });
          out.push({ bytes: Buffer.from(data.subarray(sp + 1, sp + 1 + this.maxMessageBytes)), truncated: true });
          pos = sp + 1 + this.maxMessageBytes;
          this.skip = length - this.maxMessageBytes;
          continue;
        }
        if (data.length - (sp + 1) < length) break;
        out.push({ bytes: Buffer.from(data.subarray(sp + 1, sp + 1 + length)), truncated: false });
        pos = sp + 1 + length;
        continue;
      }
      const end = this.delimiterAt(data, pos);
      if (end === -1) {
        if (data.length - pos > this.maxMessageBytes) {
          this.onProblem({
            reason: 'tooLong',
            message: `a message longer than ${this.maxMessageBytes} bytes without an end: its head is kept, the rest skipped to its end`,
          });
          out.push({ bytes: Buffer.from(data.subarray(pos, pos + this.maxMessageBytes)), truncated: true });
          pos = data.length;
          this.skip = -1;
        }
        break;
      }
      if (end - pos > this.maxMessageBytes) {
        this.onProblem({
          reason: 'tooLong',
          message: `a message of ${end - pos} bytes, over the limit of ${this.maxMessageBytes}: its head is kept`,
        });
        out.push({ bytes: Buffer.from(data.subarray(pos, pos + this.maxMessageBytes)), truncated: true });
      } else {
        out.push({ bytes: Buffer.from(data.subarray(pos, end)), truncated: false });
      }
      pos = end + 1;
    }
    data = data.subarray(pos);
    this.pending = data.length > 0 ? Buffer.from(data) : Buffer.alloc(0);
    return out;
  }

  /** The end of the message from `from`: a NUL, or a newline on a connection that sends no NULs. */
  private delimiterAt(data: Buffer, from: number): number {
    return data.indexOf(this.nulFramed ? NUL : LF, from);
  }
}
