// The pickle reader's number and text arguments: protocol 0's decimal INT/LONG lines, its quoted
// Python 2 STRING and raw-unicode-escaped UNICODE lines, and the little-endian LONG1/LONG4 bytes.
// Pure decoding, apart from the opcode interpreter (pickle.ts) that calls it.

const INTEGER_RE = /^[+-]?\d+$/;

/** A decimal integer as a number when it is exact, else a bigint; undefined when it is not one. */
export function integerOf(text: string): number | bigint | undefined {
  if (!INTEGER_RE.test(text) || text.length > 200) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

export function littleEndianSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** Protocol 0's UNICODE argument: latin-1 text with \uXXXX and \UXXXXXXXX escapes. */
export function rawUnicodeEscape(text: string): string {
  if (text.indexOf('\\') === -1) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u: string | undefined, U: string | undefined) =>
    String.fromCodePoint(parseInt(u ?? U ?? '0', 16)),
  );
}

const PY2_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Protocol 0's STRING argument: a Python 2 str literal in quotes. */
export function unquotePy2(text: string): string | undefined {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) return undefined;
  return text
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) =>
      e[0] === 'x' && e.length === 3
        ? String.fromCharCode(parseInt(e.slice(1), 16))
        : /^[0-7]+$/.test(e)
          ? String.fromCharCode(parseInt(e, 8))
          : (PY2_ESCAPES[e] ?? `\\${e}`),
    );
}
