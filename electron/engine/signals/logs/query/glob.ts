// Field values with '*' are globs over the whole value ('*' = any run of characters, nothing else
// special), run as SQLite GLOB in SQL and by globMatches in JS. Not as a RegExp: `*a*a*a*a*b`
// became `^.*a.*a.*a.*a.*b$`, which backtracks exponentially on a long value without a 'b' and
// froze the engine. SQLite's GLOB gives up on a '*' once a later '*' has failed to the end of the
// text (its NOWILDCARDMATCH), which keeps it polynomial like the matcher below.

/** A SQLite GLOB pattern where only '*' is a wildcard ('?' and '[' are made literal). */
export function toSqliteGlob(pattern: string): string {
  return pattern.replace(/[?[]/g, (ch) => `[${ch}]`);
}

/**
 * A SQLite GLOB pattern true for a text that contains `text` ('*', '?' and '[' in it made literal):
 * GLOB's scan for the first character is faster than instr (10M messages, 0.75 against 1.10 s).
 */
export function globContaining(text: string): string {
  return `*${text.replace(/[*?[]/g, (ch) => `[${ch}]`)}*`;
}

/**
 * Whether the whole of `text` matches `pattern` ('*' = any run, possibly empty). The classic
 * wildcard walk: on a mismatch, only the last '*' seen takes one more character, earlier ones stay
 * as they are (a later '*' can absorb whatever they would), so the work is at most
 * pattern length × text length, never exponential. Only '*' is special, so comparing UTF-16 code
 * units gives the same answer as comparing characters.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  /** The position in the pattern after the last '*', and the text position that star reaches to. */
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern.charCodeAt(p);
    if (p < pattern.length && pc === 42 /* '*' */) {
      starP = ++p;
      starT = t;
    } else if (p < pattern.length && pc === text.charCodeAt(t)) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}
