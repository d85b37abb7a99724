// Sentry's envelope format (develop.sentry.dev/sdk/envelopes): a header line of JSON, then items,
// each a header line of JSON (`type`, `length` optional) and its payload: `length` bytes when given,
// else up to the next newline. Read from the bytes (an attachment may be binary, and `length`
// counts bytes), with every length bounded by SENTRY_LIMITS: nothing is copied but the header lines.
import { SENTRY_LIMITS } from './limits.js';

export interface EnvelopeItem {
  type: string;
  header: Record<string, unknown>;
  /** A view into the envelope's buffer. */
  payload: Buffer;
}

export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** An envelope whose framing cannot be read (400): a header that is not JSON, a length past the end. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

const NEWLINE = 0x0a;

export function parseEnvelope(buf: Buffer, limits: { maxItems: number; maxItemHeaderBytes: number } = SENTRY_LIMITS): Envelope {
  let pos = 0;
  const line = (what: string, max: number): Buffer => {
    const end = buf.indexOf(NEWLINE, pos);
    const stop = end === -1 ? buf.length : end;
    if (stop - pos > max) throw new EnvelopeError(`the ${what} is longer than ${max} bytes`);
    const out = buf.subarray(pos, stop);
    pos = end === -1 ? buf.length : end + 1;
    return out;
  };
  const header = jsonObject(line('envelope header', limits.maxItemHeaderBytes), 'the envelope header');
  const items: EnvelopeItem[] = [];
  while (pos < buf.length) {
    const raw = line(`header of item ${items.length + 1}`, limits.maxItemHeaderBytes);
    // Blank lines between items (a trailing newline after the last payload) are not items.
    if (raw.length === 0 || (raw.length === 1 && raw[0] === 0x0d)) continue;
    if (items.length === limits.maxItems) throw new EnvelopeError(`more than ${limits.maxItems} items in one envelope`);
    const itemHeader = jsonObject(raw, `the header of item ${items.length + 1}`);
    const type = typeof itemHeader.type === 'string' ? itemHeader.type : '';
    let payload: Buffer;
    if (itemHeader.length === undefined || itemHeader.length === null) {
      const end = buf.indexOf(NEWLINE, pos);
      payload = buf.subarray(pos, end === -1 ? buf.length : end);
      pos = end === -1 ? buf.length : end + 1;
    } else {
      const length = itemHeader.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
        throw new EnvelopeError(`item ${items.length + 1} (${type || 'no type'}) has length ${JSON.stringify(length)}: not a byte count`);
      if (pos + length > buf.length)
        throw new EnvelopeError(
          `item ${items.length + 1} (${type || 'no type'}) says ${length} bytes, but the envelope ends ${buf.length - pos} bytes later`,
        );
      payload = buf.subarray(pos, pos + length);
      pos += length;
      if (buf[pos] === NEWLINE) pos++;
    }
    items.push({ type, header: itemHeader, payload });
  }
  return { header, items };
}

/** A JSON object from bytes, or what is wrong with them. */
export function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EnvelopeError(`${what} is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvelopeError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
