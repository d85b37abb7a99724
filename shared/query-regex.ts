// Where a `/regex/flags` term of the Logs query language ends. The engine's lexer reads the regex
// there; the Logs view splits a query into its terms (to mark the words it finds, to add or take
// away a facet's term) around it: a regex may hold spaces and parentheses (`/status [45]\d\d (GET|PUT)/`).

/** Every flag JS knows, so `/x/g` is read as a regex (and refused by the lexer) rather than as a word. */
const JS_REGEX_FLAGS = 'dgimsuvy';

/**
 * A regex term starting with the slash at `start`: the index of its closing slash and the end of
 * its flags. Undefined when the slashes do not make one (`/api/users` is a word: a regex ends at its
 * closing slash and flags, before whitespace, a parenthesis or the end of the query).
 */
export function regexTermAt(text: string, start: number): { close: number; end: number } | undefined {
  let i = start + 1;
  let inClass = false;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '/' && !inClass) break;
  }
  if (i >= text.length || i === start + 1) return undefined;
  let end = i + 1;
  while (end < text.length && JS_REGEX_FLAGS.includes(text[end]!)) end++;
  const after = text[end];
  if (after !== undefined && after !== '(' && after !== ')' && !/\s/.test(after)) return undefined;
  return { close: i, end };
}
