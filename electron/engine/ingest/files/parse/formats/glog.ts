// glog / absl-py lines, what absl logging, TensorFlow, JAX and Google's C++ glog write:
// `I0517 15:04:22.619632 1952452992 train.py:253] step 19` — the level from the first letter
// (I/W/E/F), a local time without a year, the thread id and `file:line`. A message's further lines
// (absl writes multi-line messages and tracebacks as they are) fold into the record: this format
// is strict, so a line that is not a glog header is a continuation.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfNameOrLetter } from '../levels.js';
import { d2, parseTimeOfDayAt, parsedEnd, yearlessUs } from '../time.js';

const LETTERS = 'IWEF';

export function parseGlog(line: string): FormatRecord | undefined {
  const letter = line[0];
  if (letter === undefined || LETTERS.indexOf(letter) === -1) return undefined;
  const mo = d2(line, 1);
  const d = d2(line, 3);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || line.charCodeAt(5) !== 32) return undefined;
  const tod = parseTimeOfDayAt(line, 6);
  if (tod !== tod) return undefined;
  let i = parsedEnd;
  // glog pads the thread id to a width with spaces; absl-py writes one space
  if (line.charCodeAt(i) !== 32) return undefined;
  while (line.charCodeAt(i) === 32) i++;
  const threadStart = i;
  while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (i === threadStart || line.charCodeAt(i) !== 32) return undefined;
  const thread = Number(line.slice(threadStart, i));
  const close = line.indexOf('] ', i + 1);
  const end = close === -1 && line.endsWith(']') ? line.length - 1 : close;
  if (end === -1) return undefined;
  const where = line.slice(i + 1, end);
  const colon = where.lastIndexOf(':');
  if (colon <= 0 || where.indexOf(' ') !== -1) return undefined;
  const lineNo = Number(where.slice(colon + 1));
  if (!Number.isInteger(lineNo)) return undefined;
  const severity = severityOfNameOrLetter(letter);
  if (severity === undefined) return undefined;
  return {
    ts: yearlessUs(mo, d, tod),
    severity,
    severityText: letter,
    message: end + 2 <= line.length ? line.slice(end + 2) : '',
    attributes: { thread, file: where.slice(0, colon), line: lineNo },
  };
}

export const glog: FormatDef = {
  id: 'glog',
  name: 'glog / absl (Python, TensorFlow, JAX)',
  parse: parseGlog,
};
