// The silence editor's matchers as a person writes them, one per line (`alertname="Api5xx"`,
// `instance=~"web-.*"`), to and from Alertmanager's API matchers; the same matchers as the lists'
// label filter, and whether an alert's labels meet them (a silence's, the filter's).
import { RE2JS } from 're2js';
import type { SilenceMatcher } from '../../../../shared/api.js';

const LINE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$/;

/** The matchers of the text, or the first line that is not one (1-based). */
export function parseSilenceMatchers(text: string): { matchers: SilenceMatcher[] } | { error: string } {
  const matchers: SilenceMatcher[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const m = LINE.exec(line);
    if (!m) return { error: `Line ${i + 1}: write name="value" (or !=, =~ for a regex, !~).` };
    const op = m[2]!;
    const value = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : m[4]!;
    matchers.push({ name: m[1]!, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!') });
  }
  if (matchers.length === 0) return { error: 'A silence needs at least one matcher.' };
  return { matchers };
}

export function formatSilenceMatchers(matchers: readonly SilenceMatcher[]): string {
  const op = (m: SilenceMatcher): string => `${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : m.isEqual === false ? '=' : ''}`;
  return matchers.map((m) => `${m.name}${op(m)}${JSON.stringify(m.value)}`).join('\n');
}

/** Regex matchers compiled (a filter is run over every alert at each keystroke); null: not a regex RE2 reads. */
const compiled = new Map<string, RE2JS | null>();
const MAX_COMPILED = 64;

/**
 * A matcher's regex as Alertmanager runs it: RE2 syntax (`(?i)p1` too, which JS refuses), in
 * linear time (a JS RegExp such as `(a+)+$` took minutes on a 40-character label, freezing the
 * view), anchored to the whole value.
 */
function regexOf(pattern: string): RE2JS | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether labels meet one matcher, as Alertmanager tests them (a regex must match the whole value). */
function matches(labels: Readonly<Record<string, string>>, m: SilenceMatcher): boolean {
  const value = labels[m.name] ?? '';
  const hit = m.isRegex ? (regexOf(m.value)?.matches(value) ?? false) : value === m.value;
  return m.isEqual === false ? !hit : hit;
}

export function matchesAll(labels: Readonly<Record<string, string>>, matchers: readonly SilenceMatcher[]): boolean {
  return matchers.every((m) => matches(labels, m));
}

/**
 * The lists' label filter as typed (`severity=P1 service=checkout`, `instance=~"web-.*"`): matchers
 * separated by spaces, every one must hold; or the word that is not one.
 */
export function parseLabelFilter(text: string): { matchers: SilenceMatcher[] } | { error: string } {
  const matchers: SilenceMatcher[] = [];
  // Spaces separate matchers, except inside a quoted value.
  for (const token of text.match(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g) ?? []) {
    const parsed = parseSilenceMatchers(token);
    if ('error' in parsed) return { error: `"${token}" is not a label matcher: write name=value (or !=, =~ for a regex, !~).` };
    matchers.push(...parsed.matchers);
  }
  return { matchers };
}
