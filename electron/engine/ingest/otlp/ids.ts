// Trace and span ids: 16 and 8 bytes on the wire, lower-case hex in the engine. An empty id means
// "none"; an all-zero id or one of the wrong length is invalid, and the item carrying it is
// rejected (counted in partial_success), not the whole request.

export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

/** What an id field held: nothing, a valid id, or something invalid. */
export type IdResult = { kind: 'none' } | { kind: 'ok'; hex: string } | { kind: 'invalid'; reason: string };

const NONE: IdResult = { kind: 'none' };

export function idFromBytes(buf: Buffer, start: number, end: number, bytes: number, what: string): IdResult {
  const len = end - start;
  if (len === 0) return NONE;
  if (len !== bytes) return { kind: 'invalid', reason: `${what} has ${len} bytes, not ${bytes}` };
  let zero = true;
  for (let i = start; i < end; i++) {
    if (buf[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return { kind: 'invalid', reason: `${what} is all zeros` };
  return { kind: 'ok', hex: buf.toString('hex', start, end) };
}

const HEX = /^[0-9a-fA-F]*$/;

/** OTLP/JSON ids are hex (any case); base64 (protobuf's default JSON form) is not OTLP and is invalid. */
export function idFromHex(value: unknown, bytes: number, what: string): IdResult {
  if (value === undefined || value === null || value === '') return NONE;
  if (typeof value !== 'string') return { kind: 'invalid', reason: `${what} is not a hex string` };
  if (value.length !== bytes * 2 || !HEX.test(value)) {
    return { kind: 'invalid', reason: `${what} "${value.slice(0, 40)}" is not ${bytes * 2} hex digits` };
  }
  if (/^0+$/.test(value)) return { kind: 'invalid', reason: `${what} is all zeros` };
  return { kind: 'ok', hex: value.toLowerCase() };
}
