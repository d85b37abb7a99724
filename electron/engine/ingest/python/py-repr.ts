// What Python's HTTPHandler leaves to be rebuilt: it sends str() of every LogRecord field, so the
// args are a tuple's repr (`('A-1', 3)`) beside the unformatted `msg`, and exc_info is a tuple's
// repr (`(<class 'ValueError'>, ValueError('boom'), <traceback object at 0x…>)`). The simple
// cases (a tuple of strings, numbers, None, True, False; %s %d %r %f… placeholders) are rebuilt
// as Python's `msg % args` would; anything else is left as it came.

type Scalar = string | number | boolean | null;
type Arg = { value: Scalar; repr: string };

const TOKEN_RE = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(None|True|False))\s*(,|\))/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** The elements of a tuple's repr, when each is a str, int, float, bool or None literal. */
export function tupleOfRepr(text: string): Arg[] | undefined {
  if (!text.startsWith('(') || !text.endsWith(')')) return undefined;
  if (text === '()') return [];
  const out: Arg[] = [];
  TOKEN_RE.lastIndex = 1;
  while (TOKEN_RE.lastIndex < text.length) {
    const start = TOKEN_RE.lastIndex;
    const m = TOKEN_RE.exec(text);
    if (!m) return undefined;
    const repr = text.slice(start, m.index + m[0].length - 1).trim();
    if (m[1] !== undefined || m[2] !== undefined) out.push({ value: unescape(m[1] ?? m[2]!), repr });
    else if (m[3] !== undefined) out.push({ value: Number(m[3]), repr });
    else out.push({ value: m[4] === 'None' ? null : m[4] === 'True', repr });
    // `(x,)`: a one-element tuple's trailing comma
    if (m[5] === ',' && text.slice(TOKEN_RE.lastIndex).trim() === ')') break;
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) =>
    e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? `\\${e}`),
  );
}

const PLACEHOLDER_RE = /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdirfFgeEx%])/g;

/** `msg % args` for positional placeholders; undefined when the count or a conversion does not fit. */
export function percentFormat(msg: string, args: readonly Arg[]): string | undefined {
  let i = 0;
  let ok = true;
  const text = msg.replace(
    PLACEHOLDER_RE,
    (whole, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[i++];
      if (arg === undefined) {
        ok = false;
        return whole;
      }
      const s = convert(arg, conv, precision);
      if (s === undefined) ok = false;
      const w = width !== undefined ? Number(width) : 0;
      return flags.includes('-') ? (s ?? '').padEnd(w) : (s ?? '').padStart(w);
    },
  );
  return ok && i === args.length ? text : undefined;
}

function convert(arg: Arg, conv: string, precision: string | undefined): string | undefined {
  const v = arg.value;
  switch (conv) {
    case 's':
      return typeof v === 'string' ? v : arg.repr;
    case 'r':
      return arg.repr;
    case 'd':
    case 'i':
      return typeof v === 'number' ? String(Math.trunc(v)) : typeof v === 'boolean' ? (v ? '1' : '0') : undefined;
    case 'x':
      return typeof v === 'number' && Number.isInteger(v) ? v.toString(16) : undefined;
    case 'f':
    case 'F':
      return typeof v === 'number' ? v.toFixed(precision !== undefined ? Number(precision) : 6) : undefined;
    case 'e':
    case 'E':
      return typeof v === 'number' ? v.toExponential(precision !== undefined ? Number(precision) : 6) : undefined;
    case 'g':
      return typeof v === 'number' ? String(precision !== undefined ? Number(v.toPrecision(Number(precision) || 1)) : v) : undefined;
    default:
      return undefined;
  }
}

const EXC_INFO_RE = /^\(<class '([\w.]+)'>, [\w.]+\(((?:.|\n)*)\), <traceback object at 0x[0-9a-f]+>\)$/;

/** The exception type and message of exc_info's repr. */
export function exceptionOfExcInfoRepr(text: string): { type: string; message: string } | undefined {
  const m = EXC_INFO_RE.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const args = tupleOfRepr(`(${m[2] ?? ''})`);
  const first = args?.[0]?.value;
  return { type: m[1].replace(/^builtins\./, ''), message: args && args.length === 1 ? String(first ?? '') : (m[2] ?? '') };
}
