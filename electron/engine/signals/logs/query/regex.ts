// User regexes (`/…/flags` in a search) run on RE2JS, a pure-JS port of RE2: its matching time
// grows linearly with the text, whatever the pattern. V8's own RegExp backtracks, so `/(a+)+$/`
// over a long line ran for hours and froze the engine's only thread (ingest, API, live tail).
//
// Why RE2JS and not V8's linear engine (`--enable-experimental-regexp-engine[-on-excessive-
// backtracks]`), measured on Node 20: that engine refuses the `i` and `u` flags and any counted
// repeat above 16 (`\d{17}`, `[a-z]{2,50}`), and on a pattern it refuses the fallback never comes,
// so `/(.*a){20}c/` still hangs; what it runs took 4-14 s on a 1 MiB line. re2-wasm copies each
// text into wasm memory: 10-50x slower than RE2JS per log line. RE2JS's lazy DFA runs common
// patterns at irregexp's speed or within a few times of it (see the bench), and it is the same
// code in `loupe serve` and Electron's utility process, with no V8 flags to set before use.
//
// The syntax is RE2's (https://github.com/google/re2/wiki/Syntax); what JS has and RE2 has not
// (backreferences, lookahead, lookbehind) is refused with the position of the construct.
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { globContaining } from './glob.js';

/**
 * The largest compiled program accepted. Linear time is `text length × program size` at worst
 * (when the DFA outgrows its memory and RE2 falls back to the NFA): `(.*a){1000}` compiles to
 * ~3000 steps and took minutes on a 1 MiB line, while a 1000-step program stays under a second
 * there. Real searches compile to 10-100 steps.
 */
export const MAX_REGEX_PROGRAM = 1000;

/** Why a regex is refused: `offset`/`length` are within the pattern text (between the slashes). */
export class RegexRefusal extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(message);
    this.name = 'RegexRefusal';
  }
}

const LINEAR = "Loupe's regexes run in linear time (RE2 syntax)";

/** The constructs of JS regexes that no linear-time engine can run, found where they are. */
function refuseNonLinear(source: string): void {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<'))) {
        const length = next === 'k' ? Math.max(2, source.indexOf('>', i) + 1 - i) : (/^\\[1-9]\d*/.exec(source.slice(i))?.[0].length ?? 2);
        throw new RegexRefusal(`Backreferences are not supported: ${LINEAR}.`, i, length);
      }
      i++;
    } else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '(' && !inClass) {
      const look = /^\(\?(<?[=!])/.exec(source.slice(i, i + 4));
      if (look) {
        const what = look[1]!.startsWith('<') ? 'Lookbehind' : 'Lookahead';
        throw new RegexRefusal(`${what} "${look[0]}…" is not supported: ${LINEAR}.`, i, look[0].length);
      }
    }
  }
}

function re2Flags(flags: string): number {
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  // 'u' changes nothing: RE2 always matches by Unicode character.
  return bits;
}

/** Compiles a user regex (flags from 'imsu'), or throws RegexRefusal saying what to change. */
export function compileRegex(source: string, flags: string): RE2JS {
  refuseNonLinear(source);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, re2Flags(flags));
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    // RE2 names the faulty part (`input`), not its offset: the first place it occurs is where
    // RE2's left-to-right parser stopped, or close to it.
    const part = e.input ?? '';
    const at = part === '' ? -1 : source.indexOf(part);
    throw new RegexRefusal(
      `Invalid regular expression: ${e.error ?? e.message}${part ? `: ${part}` : ''} (${LINEAR}).`,
      Math.max(0, at),
      at < 0 ? source.length : part.length,
    );
  }
  if (re.re2Input.prog.numInst() > MAX_REGEX_PROGRAM) {
    throw new RegexRefusal(
      `This regex is too large once compiled (counted repeats such as {500} multiply it): ${LINEAR}, which needs small patterns.`,
      0,
      source.length,
    );
  }
  return re;
}

/** What a search runs: a compiled user regex, or the plain-text matcher that stands for one. */
export interface UserRegex {
  test(text: string): boolean;
}

/** No character with a meaning in a regex: the pattern is a plain text to find. */
const LITERAL = /^[^\\^$.|?*+()[\]{}]+$/;

/**
 * A pattern that is plain text (`/KABOOM/i`, `/connection reset/`): its text, and whether `i` makes
 * it match in any case. Only ASCII patterns take this way with `i`: lower-casing agrees with RE2's
 * case folding there. Null: not plain text, or the `i` of a pattern beyond ASCII.
 */
export function plainText(source: string, flags: string): { text: string; caseless: boolean } | null {
  if (!LITERAL.test(source)) return null;
  if (!flags.includes('i')) return { text: source, caseless: false };
  return /^[\x20-\x7e]+$/.test(source) ? { text: source, caseless: true } : null;
}

/**
 * A plain-text pattern is found with indexOf, which is linear too and several times faster than
 * RE2JS's case-insensitive DFA on a full scan.
 */
function literalMatcher(source: string, flags: string): UserRegex | null {
  const plain = plainText(source, flags);
  if (!plain) return null;
  if (!plain.caseless) return { test: (text) => text.includes(source) };
  const lower = source.toLowerCase();
  return { test: (text) => text.toLowerCase().includes(lower) };
}

/**
 * What SQLite tests of a message before a plain-text pattern's regex runs on it (a call into JS
 * for each row costs more than SQLite's own LIKE or GLOB: a rare `/KABOOM/i` over 1M rows in
 * memory, 145 → 55 ms), as `message <op> pattern` (LIKE with `ESCAPE '\'`): every message the
 * regex matches passes it.
 * - Without `i`, GLOB '*text*': its scan for the text's first character is faster than instr
 *   (10M messages, 1.10 → 0.75 s).
 * - With `i`, LIKE over the text, which folds ASCII case. The characters JS lower-cases into an
 *   ASCII letter are KELVIN SIGN (→ k) and İ (→ i̇, so only at the text's last i; a scan of every
 *   code point finds no other), which LIKE does not fold: those letters stand as `_` (any one
 *   character). A second test for those characters read every message again (10M: LIKE 0.63 s,
 *   with `OR instr(message, 'K')` 1.24 s). Null when no other character is left (`/k/i`): the
 *   pattern would pass every message, and the regex alone runs.
 */
export function plainTextPrefilter(plain: { text: string; caseless: boolean }): { op: 'LIKE' | 'GLOB'; pattern: string } | null {
  if (!plain.caseless) return { op: 'GLOB', pattern: globContaining(plain.text) };
  const last = plain.text.length - 1;
  let pattern = '';
  let kept = false;
  for (let i = 0; i <= last; i++) {
    const c = plain.text[i]!;
    const lower = c.toLowerCase();
    if (lower === 'k' || (lower === 'i' && i === last)) pattern += '_';
    else {
      pattern += c === '%' || c === '_' || c === '\\' ? `\\${c}` : c;
      kept = true;
    }
  }
  return kept ? { op: 'LIKE', pattern: `%${pattern}%` } : null;
}

// Compiled regexes shared by the SQL function and the live-tail predicate: a search runs the same
// pattern over every row, so it is compiled once, and a small cap keeps a session of many
// different searches from growing the cache without bound.
const MAX_CACHED = 64;
const cache = new Map<string, UserRegex>();

/** A compiled user regex, from the cache when it was compiled before. Throws RegexRefusal. */
export function cachedRegex(source: string, flags: string): UserRegex {
  const key = `${flags}/${source}`;
  let re = cache.get(key);
  if (!re) {
    re = literalMatcher(source, flags) ?? compileRegex(source, flags);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, re);
  }
  return re;
}
