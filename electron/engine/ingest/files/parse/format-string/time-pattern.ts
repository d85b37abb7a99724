// A time layout from a logging config (Python's strftime `datefmt`, loguru's `{time:…}` tokens)
// compiled once into an anchored matcher: a sticky regex without nested quantifiers (linear on any
// line) and the conversion of its groups to microseconds since the epoch.
import { monthNumber, utcUs, localUs, yearlessUs } from '../time.js';

/** One piece of a time layout; both syntaxes compile to these. */
export type TimePart =
  | { kind: 'literal'; text: string }
  | {
      kind:
        | 'year4'
        | 'year2'
        | 'month'
        | 'monthName'
        | 'day'
        | 'dayOfYear'
        | 'hour24'
        | 'hour12'
        | 'minute'
        | 'second'
        | 'fraction'
        | 'ampm'
        | 'zone'
        | 'zoneName'
        | 'weekday'
        | 'epochSeconds'
        | 'epochMicros';
      /** Digits exactly (fixed width) or 1–2 (loguru's M, D, H…; %e's space-padded day). */
      digits?: number;
      /** The number may be padded with a space instead of a zero (%e). */
      spacePadded?: boolean;
    };

export interface TimeMatch {
  /** Microseconds since the epoch, or since local midnight when the layout has no date (`timeOfDay`). */
  us: number;
  timeOfDay: boolean;
  /** Whether the layout carried a fraction of a second (else %(msecs)d may add the milliseconds). */
  hasFraction: boolean;
  end: number;
}

export interface TimeMatcher {
  /** The time at `at` in `line`, or undefined when the text there is not this layout. */
  match(line: string, at: number): TimeMatch | undefined;
}

const PATTERNS: Record<Exclude<TimePart['kind'], 'literal'>, string> = {
  year4: '(\\d{4})',
  year2: '(\\d{2})',
  month: '',
  monthName: '([A-Za-z]{3,9})',
  day: '',
  dayOfYear: '(\\d{3})',
  hour24: '',
  hour12: '',
  minute: '',
  second: '',
  fraction: '(\\d{1,9})',
  ampm: '([AaPp][Mm])',
  zone: '([+-]\\d{2}:?\\d{2}|Z)',
  zoneName: '([A-Za-z][A-Za-z0-9_/+-]{0,31})',
  weekday: '([A-Za-z]{3,9})',
  epochSeconds: '(\\d{1,12}(?:\\.\\d{1,9})?)',
  epochMicros: '(\\d{1,18})',
};

function numberPattern(part: { digits?: number; spacePadded?: boolean }): string {
  if (part.spacePadded) return '( ?\\d{1,2})';
  return part.digits === undefined ? '(\\d{1,2})' : `(\\d{${part.digits}})`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileTime(parts: readonly TimePart[]): TimeMatcher {
  let source = '';
  const kinds: Exclude<TimePart['kind'], 'literal'>[] = [];
  for (const p of parts) {
    if (p.kind === 'literal') {
      source += escapeRegex(p.text);
      continue;
    }
    const fixed = PATTERNS[p.kind];
    source += fixed !== '' ? fixed : numberPattern(p);
    kinds.push(p.kind);
  }
  // Built from the fixed patterns above and escaped literals only: every quantifier is bounded and
  // the match is anchored (sticky), so V8's engine runs it in time linear in the line, unlike a
  // user's regex (which goes to RE2, query/regex.ts).
  const re = new RegExp(source, 'y');
  // Layouts of fixed-width numbers and literals only (the usual datefmts) are read digit by digit:
  // a regex with its groups as strings costs several times more on the hot path.
  const fixedKinds = new Set(['year4', 'year2', 'month', 'day', 'dayOfYear', 'hour24', 'hour12', 'minute', 'second']);
  const fast = parts.every(
    (p) =>
      p.kind === 'literal' ||
      p.kind === 'fraction' ||
      (fixedKinds.has(p.kind) && !p.spacePadded && (p.digits !== undefined || p.kind.startsWith('year') || p.kind === 'dayOfYear')),
  );
  const widths = parts.map((p) =>
    p.kind === 'literal'
      ? 0
      : p.kind === 'year4'
        ? 4
        : p.kind === 'dayOfYear'
          ? 3
          : p.kind === 'fraction'
            ? -1
            : p.kind === 'year2'
              ? 2
              : (p.digits ?? 2),
  );
  const texts: string[] = [];
  /** Where the time ends (-1: the line doesn't fit), with each part's digits in `texts` as the regex's groups would be. */
  function readFixed(line: string, at: number): number {
    texts.length = 0;
    let i = at;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      if (p.kind === 'literal') {
        if (!line.startsWith(p.text, i)) return -1;
        i += p.text.length;
        continue;
      }
      const start = i;
      const w = widths[k]!;
      if (w < 0) {
        while (i < line.length && i - start < 9 && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
        if (i === start) return -1;
      } else {
        for (; i < start + w; i++) {
          const c = line.charCodeAt(i);
          if (c < 48 || c > 57) return -1;
        }
      }
      texts.push(line.slice(start, i));
    }
    return i;
  }
  const has = new Set(kinds);
  const hasDate =
    has.has('year4') || has.has('year2') || has.has('month') || has.has('monthName') || has.has('day') || has.has('dayOfYear');
  const epoch = has.has('epochSeconds') || has.has('epochMicros');
  return {
    match(line, at) {
      let groups: ArrayLike<string | undefined>;
      let end: number;
      if (fast) {
        end = readFixed(line, at);
        if (end < 0) return undefined;
        groups = texts;
      } else {
        re.lastIndex = at;
        const m = re.exec(line);
        if (m === null) return undefined;
        groups = m.slice(1);
        end = at + m[0].length;
      }
      let y = NaN;
      let mo = 1;
      let d = 1;
      let doy = 0;
      let h = 0;
      let mi = 0;
      let s = 0;
      let us = 0;
      let pm: boolean | undefined;
      let zoneMin: number | undefined;
      let epochUs: number | undefined;
      for (let k = 0; k < kinds.length; k++) {
        const text = groups[k] ?? '';
        switch (kinds[k]) {
          case 'year4':
            y = Number(text);
            break;
          case 'year2':
            y = 2000 + Number(text); // strptime's %y: 69–99 is 19xx, but log files are this century
            break;
          case 'month':
            mo = Number(text);
            break;
          case 'monthName':
            mo = monthNumber(text.slice(0, 3));
            if (mo === 0) return undefined;
            break;
          case 'day':
            d = Number(text.trim());
            break;
          case 'dayOfYear':
            doy = Number(text);
            break;
          case 'hour24':
          case 'hour12':
            h = Number(text);
            break;
          case 'minute':
            mi = Number(text);
            break;
          case 'second':
            s = Number(text);
            break;
          case 'fraction':
            us = Number((text + '000000').slice(0, 6));
            break;
          case 'ampm':
            pm = text.toUpperCase() === 'PM';
            break;
          case 'zone':
            zoneMin = text === 'Z' ? 0 : (text[0] === '-' ? -1 : 1) * (Number(text.slice(1, 3)) * 60 + Number(text.slice(-2)));
            break;
          case 'epochSeconds':
            epochUs = Math.round(Number(text) * 1e6);
            break;
          case 'epochMicros':
            epochUs = Number(text);
            break;
          default:
            break; // weekday and zone names say nothing the rest does not
        }
      }
      if (epoch && epochUs !== undefined) return { us: epochUs, timeOfDay: false, hasFraction: true, end };
      if (pm !== undefined) h = (h % 12) + (pm ? 12 : 0);
      if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 61) return undefined;
      const hasFraction = has.has('fraction');
      if (!hasDate) return { us: ((h * 60 + mi) * 60 + s) * 1_000_000 + us, timeOfDay: true, hasFraction, end };
      if (doy > 0 && y === y) {
        const first = new Date(Date.UTC(y, 0, doy));
        mo = first.getUTCMonth() + 1;
        d = first.getUTCDate();
      }
      const tod = ((h * 60 + mi) * 60 + s) * 1_000_000 + us;
      if (y !== y) return { us: yearlessUs(mo, d, tod), timeOfDay: false, hasFraction, end };
      const value = zoneMin !== undefined ? utcUs(y, mo, d, h, mi, s, us) - zoneMin * 60_000_000 : localUs(y, mo, d, h, mi, s, us);
      return { us: value, timeOfDay: false, hasFraction, end };
    },
  };
}

/** A literal piece, merged into the previous one when that is a literal too. */
export function pushLiteral(parts: TimePart[], text: string): void {
  const last = parts[parts.length - 1];
  if (last?.kind === 'literal') last.text += text;
  else parts.push({ kind: 'literal', text });
}

/** Python's `time.strftime` directives (what `Formatter.formatTime` uses with a `datefmt`). */
export function strftimeParts(datefmt: string): { parts: TimePart[] } | { error: string; col: number } {
  const parts: TimePart[] = [];
  for (let i = 0; i < datefmt.length; i++) {
    const c = datefmt[i]!;
    if (c !== '%') {
      pushLiteral(parts, c);
      continue;
    }
    const directive = datefmt[++i];
    const add = (...ps: TimePart[]): void => {
      for (const p of ps)
        if (p.kind === 'literal') pushLiteral(parts, p.text);
        else parts.push(p);
    };
    const colon = (text: string): TimePart => ({ kind: 'literal', text });
    switch (directive) {
      case 'Y':
        add({ kind: 'year4' });
        break;
      case 'y':
        add({ kind: 'year2' });
        break;
      case 'm':
        add({ kind: 'month', digits: 2 });
        break;
      case 'b':
      case 'B':
      case 'h':
        add({ kind: 'monthName' });
        break;
      case 'd':
        add({ kind: 'day', digits: 2 });
        break;
      case 'e':
        add({ kind: 'day', spacePadded: true });
        break;
      case 'j':
        add({ kind: 'dayOfYear' });
        break;
      case 'H':
        add({ kind: 'hour24', digits: 2 });
        break;
      case 'I':
        add({ kind: 'hour12', digits: 2 });
        break;
      case 'M':
        add({ kind: 'minute', digits: 2 });
        break;
      case 'S':
        add({ kind: 'second', digits: 2 });
        break;
      case 'p':
        add({ kind: 'ampm' });
        break;
      case 'z':
        add({ kind: 'zone' });
        break;
      case 'Z':
        add({ kind: 'zoneName' });
        break;
      case 'a':
      case 'A':
        add({ kind: 'weekday' });
        break;
      case 's':
        add({ kind: 'epochSeconds' });
        break;
      case 'F':
        add({ kind: 'year4' }, colon('-'), { kind: 'month', digits: 2 }, colon('-'), { kind: 'day', digits: 2 });
        break;
      case 'T':
        add({ kind: 'hour24', digits: 2 }, colon(':'), { kind: 'minute', digits: 2 }, colon(':'), { kind: 'second', digits: 2 });
        break;
      case 'R':
        add({ kind: 'hour24', digits: 2 }, colon(':'), { kind: 'minute', digits: 2 });
        break;
      case 'D':
        add({ kind: 'month', digits: 2 }, colon('/'), { kind: 'day', digits: 2 }, colon('/'), { kind: 'year2' });
        break;
      case '%':
        pushLiteral(parts, '%');
        break;
      default:
        return {
          error: `datefmt: %${directive ?? ''} is not a time.strftime directive Loupe reads (use %Y %m %d %H %M %S %y %b %p %I %z %j…)`,
          col: i,
        };
    }
  }
  return { parts };
}
