// Label matchers (`=`, `!=`, `=~`, `!~`) as Prometheus applies them: a missing label has the value
// "", and regexes are RE2 syntax, fully anchored (`=~"a|b"` means `^(?:a|b)$`). RE2JS runs them in
// linear time whatever the pattern, like Go's regexp that Prometheus uses.
import { RE2JS, RE2JSSyntaxException } from 're2js';
import type { Labels } from './storage.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** Compiled anchored regex for `=~` and `!~`. */
  readonly re?: RE2JS;
}

/** Compiles `^(?:pattern)$`, or throws an Error naming the pattern and RE2's complaint. */
export function compileAnchored(pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?:${pattern})$`);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${e.message}`);
    throw e;
  }
}

export function newMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  if (type === '=~' || type === '!~') return { name, type, value, re: compileAnchored(value) };
  return { name, type, value };
}

export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return m.re!.matches(value);
    case '!~':
      return !m.re!.matches(value);
  }
}

export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!matches(m, labels[m.name] ?? '')) return false;
  return true;
}

/** Whether a matcher accepts the empty string (then it also accepts series without the label). */
export function matchesEmpty(m: LabelMatcher): boolean {
  return matches(m, '');
}
