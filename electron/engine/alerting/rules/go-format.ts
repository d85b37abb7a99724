// Numbers printed as Prometheus prints them, for rule templates and its HTTP API: Go's `%v`
// (`{{ $value }}`), `%.Ng` (humanize), `%e` with the shortest digits (`"value": "1e+00"` in
// /api/v1/alerts), and a `printf` of the verbs rule templates use. Written against Go's strconv
// rules, so an annotation reads the same in Loupe as in Prometheus.

/** Go's exponent: a sign and at least two digits (`e+06`, `e-07`). */
function goExponent(exp: number): string {
  return `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return null;
}

/** strconv.FormatFloat(v, 'e', -1, 64): the shortest digits, always in exponent form (`2.5e-01`). */
export function goFloatE(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  return `${mantissa}${goExponent(Number(exp))}`;
}

/** Go's `%v` of a float64: the shortest digits, in exponent form below 1e-4 and from 1e6 up (`123456`, `1.234567e+06`). */
export function goFloatV(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // strconv's %g with the shortest precision decides with a precision of 6.
  if (exp < -4 || exp >= 6) return `${mantissa}${goExponent(exp)}`;
  return String(v);
}

/** Go's `%.<prec>g`: `prec` significant digits, trailing zeros dropped, exponent form when exp < -4 || exp >= prec. */
export function goFloatG(v: number, prec: number): string {
  const s = special(v);
  if (s !== null) return s;
  const p = Math.max(1, prec);
  if (v === 0) return '0';
  const [mantissa, expText] = v.toExponential(p - 1).split('e') as [string, string];
  const exp = Number(expText);
  const trim = (t: string): string => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= p) return `${trim(mantissa)}${goExponent(exp)}`;
  return trim(v.toFixed(Math.max(0, p - 1 - exp)));
}

/** Go's `%.<prec>f` (`%f` is six digits). */
export function goFloatF(v: number, prec = 6): string {
  const s = special(v);
  return s ?? v.toFixed(prec);
}

/**
 * Go's fmt.Sprintf for the verbs rule templates use: %v %s %d %f %g %e %q %% with an optional
 * precision (`%.2f`). A verb it does not know prints as Go prints a bad verb (`%!x(float64=1)`).
 */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let i = 0;
  return format.replace(/%(-?\d*)(?:\.(\d+))?([a-z%])/gi, (whole, width: string, precText: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[i++];
    const prec = precText === undefined ? undefined : Number(precText);
    let out: string;
    if (typeof arg === 'number') {
      switch (verb) {
        case 'v':
        case 's':
          out = goFloatV(arg);
          break;
        case 'd':
          out = Number.isInteger(arg) ? String(arg) : `%!d(float64=${goFloatV(arg)})`;
          break;
        case 'f':
        case 'F':
          out = goFloatF(arg, prec ?? 6);
          break;
        case 'g':
          out = prec === undefined ? goFloatV(arg) : goFloatG(arg, prec);
          break;
        case 'e': {
          const sp = special(arg);
          if (sp !== null) out = sp;
          else {
            const [m, e] = arg.toExponential(prec ?? 6).split('e') as [string, string];
            out = `${m}${goExponent(Number(e))}`;
          }
          break;
        }
        default:
          out = `%!${verb}(float64=${goFloatV(arg)})`;
      }
    } else {
      const text = String(arg);
      out =
        verb === 'q'
          ? JSON.stringify(text)
          : verb === 's' || verb === 'v'
            ? prec === undefined
              ? text
              : text.slice(0, prec)
            : `%!${verb}(string=${text})`;
    }
    const w = Math.abs(Number(width || '0'));
    if (w > out.length) out = width.startsWith('-') ? out.padEnd(w) : out.padStart(w);
    return whole ? out : '';
  });
}
