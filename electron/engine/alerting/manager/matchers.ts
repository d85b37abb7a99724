// Alertmanager's label matchers: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`,
// as routes, inhibit rules and silences write them. Regexes are anchored (Alertmanager matches the
// whole value) and run on the engine's linear-time RE2JS helper, so a user's silence cannot freeze
// the engine with a backtracking pattern.
import { cachedRegex, RegexRefusal, type UserRegex } from '../../signals/logs/query/regex.js';
import type { AlertLabels } from '../alert.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly type: MatchType;
}

/** Alertmanager API v2's silence matcher (`isRegex`, `isEqual`). */
export interface ApiMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

const MATCHER_RE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Reads `severity="P1"` (the value may be unquoted, as Alertmanager allows); throws a sentence. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_RE.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher (expected name="value", name!="value", name=~"regex" or name!~"regex")`);
  let value = m[3]!;
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) throw new Error(`"${text}": the quoted value is not closed`);
    value = JSON.parse(value) as string;
  }
  const matcher: Matcher = { name: m[1]!, type: m[2] as MatchType, value };
  checkMatcher(matcher);
  return matcher;
}

/** A regex matcher's pattern must compile (linear-time RE2 syntax); throws a sentence. */
export function checkMatcher(matcher: Matcher): void {
  if (matcher.type === '=~' || matcher.type === '!~') anchored(matcher.value);
}

function anchored(pattern: string): UserRegex {
  try {
    return cachedRegex(`^(?:${pattern})$`, '');
  } catch (err) {
    if (err instanceof RegexRefusal) throw new Error(`regex "${pattern}": ${err.message}`);
    throw err;
  }
}

/** Whether one matcher holds for a label set (a missing label is the empty value, as in Alertmanager). */
export function matcherHolds(matcher: Matcher, labels: AlertLabels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.type) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(value);
    case '!~':
      return !anchored(matcher.value).test(value);
  }
}

/** Every matcher holds (an empty list matches everything). */
export function allHold(matchers: readonly Matcher[], labels: AlertLabels): boolean {
  return matchers.every((m) => matcherHolds(m, labels));
}

export function fromApiMatcher(m: ApiMatcher): Matcher {
  const equal = m.isEqual ?? true;
  const type: MatchType = m.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=';
  const matcher: Matcher = { name: m.name, value: m.value, type };
  checkMatcher(matcher);
  return matcher;
}

export function toApiMatcher(m: Matcher): ApiMatcher {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.type}${JSON.stringify(m.value)}`;
}
