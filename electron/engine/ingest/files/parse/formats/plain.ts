// Plain text, the fallback: every line is a record unless it looks like a continuation; a leading
// time is read when there is one and the level is sniffed from words like ERROR or WARN.
import type { FormatDef, FormatRecord } from '../format.js';
import { sniffLevel } from '../levels.js';
import { parseClfAt, parseIsoAt } from '../time.js';

function leadingTime(line: string): number | undefined {
  const start = line.charCodeAt(0) === 91 ? 1 : 0;
  const c = line.charCodeAt(start);
  if (c < 48 || c > 57) return undefined;
  let t = parseIsoAt(line, start);
  if (t !== t) t = parseClfAt(line, start);
  return t === t ? t : undefined;
}

export function parsePlain(line: string): FormatRecord {
  const rec: FormatRecord = { ts: leadingTime(line), severity: 0, message: line };
  const lvl = sniffLevel(line);
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
};
