// Plain text, the fallback: every line is a record unless it looks like a continuation; a leading
// time is read when there is one, and the level is the word right after that time when it is one
// (`2024-05-01 10:00:00 notice …`, `… [debug2] …`), else sniffed from words like ERROR or WARN.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfLeadingWord, sniffLevel } from '../levels.js';
import { parseClfAt, parseIsoAt, parsedEnd } from '../time.js';

/** Where the leading time ends (past a closing `]` and spaces); set by leadingTime. */
let timeEnd = 0;

function leadingTime(line: string): number | undefined {
  const bracket = line.charCodeAt(0) === 91;
  const start = bracket ? 1 : 0;
  const c = line.charCodeAt(start);
  if (c < 48 || c > 57) return undefined;
  let t = parseIsoAt(line, start);
  if (t !== t) t = parseClfAt(line, start);
  if (t !== t) return undefined;
  let i = parsedEnd;
  if (bracket && line.charCodeAt(i) === 93) i++;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  timeEnd = i;
  return t;
}

/** Whether a line starts with a time, as plain records of a timestamped file do. */
export function startsWithTime(line: string): boolean {
  return leadingTime(line) !== undefined;
}

export function parsePlain(line: string): FormatRecord {
  const ts = leadingTime(line);
  const rec: FormatRecord = { ts, severity: 0, message: line };
  const lvl = (ts !== undefined ? severityOfLeadingWord(line, timeEnd) : undefined) ?? sniffLevel(line);
  if (lvl !== undefined) {
    rec.severity = lvl.severity;
    rec.severityText = lvl.text;
  }
  return rec;
}

export const plain: FormatDef = {
  id: 'plain',
  name: 'Plain text',
  lenient: true,
  fallback: true,
  parse: parsePlain,
  // A timestamped record owns the untimed lines after it (an XML or JSON body, a stack trace
  // without indentation), as lnav folds lines its format's pattern does not match.
  continues: (rec, line) => rec.ts !== undefined && !startsWithTime(line),
};
