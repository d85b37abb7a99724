// loguru: the default text format and `serialize=True` JSON.
import { stripAnsi } from '../ansi.js';
import type { FormatDef, FormatRecord } from '../format.js';
import { foldUnderMessage, lastException } from '../exception.js';
import { liftWellKnown } from '../fields.js';
import { objectOf, parseJsonObject, type JsonObject } from '../json-record.js';
import { severityOfName, severityOfPythonNumber } from '../levels.js';
import { parseIsoAt, parsedEnd, timeFromValue } from '../time.js';

/** `YYYY-MM-DD HH:mm:ss.SSS | LEVEL    | name:function:line - message` (colours stripped). */
function parseText(raw: string): FormatRecord | undefined {
  const line = stripAnsi(raw);
  const c0 = line.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return undefined;
  const ts = parseIsoAt(line, 0);
  if (ts !== ts) return undefined;
  let i = parsedEnd;
  if (line.charCodeAt(i) !== 32 || line.charCodeAt(i + 1) !== 124 || line.charCodeAt(i + 2) !== 32) return undefined;
  i += 3;
  const levelEnd = line.indexOf(' | ', i);
  if (levelEnd === -1) return undefined;
  const level = line.slice(i, levelEnd).trimEnd();
  const sev = severityOfName(level) ?? (/^Level \d+$/.test(level) ? severityOfPythonNumber(Number(level.slice(6))) : undefined);
  if (sev === undefined) return undefined;
  const locStart = levelEnd + 3;
  const dash = line.indexOf(' - ', locStart);
  const loc = dash === -1 ? line.slice(locStart) : line.slice(locStart, dash);
  const rec: FormatRecord = { ts, severity: sev, severityText: level, message: dash === -1 ? '' : line.slice(dash + 3) };
  const parts = loc.split(':');
  if (parts.length === 3) {
    rec.logger = parts[0] ?? '';
    rec.attributes = { function: parts[1], line: Number(parts[2]) || parts[2] };
  } else if (loc.length > 0) {
    rec.logger = loc;
  }
  return rec;
}

export const loguruText: FormatDef = {
  id: 'loguru',
  name: 'loguru',
  parse: parseText,
};

/**
 * The traceback in serialize=True's `text` (the formatted line, then the exception as loguru prints
 * it, frames and all): what follows the line that ends the message.
 */
function tracebackOfText(text: string, message: string): string | undefined {
  const plain = stripAnsi(text);
  const at = plain.indexOf(message);
  const lineEnd = plain.indexOf('\n', at === -1 ? 0 : at + message.length);
  if (lineEnd === -1) return undefined;
  const traceback = plain.slice(lineEnd + 1).trimEnd();
  return traceback.length > 0 ? traceback : undefined;
}

/** `{"text": "<formatted>", "record": {...}}` */
export const loguruJson: FormatDef = {
  id: 'loguru-json',
  name: 'loguru (serialize=True)',
  parse(line) {
    const top = parseJsonObject(line);
    const r = objectOf(top?.['record']);
    if (top === undefined || r === undefined || typeof top['text'] !== 'string') return undefined;
    const time = objectOf(r['time']);
    const level = objectOf(r['level']);
    const levelName = typeof level?.['name'] === 'string' ? level['name'] : undefined;
    const rec: FormatRecord = {
      // repr keeps the microseconds exactly; the float timestamp may be off by one.
      ts: timeFromValue(time?.['repr']) ?? timeFromValue(time?.['timestamp']),
      severity:
        (levelName !== undefined ? severityOfName(levelName) : undefined) ??
        (typeof level?.['no'] === 'number' ? severityOfPythonNumber(level['no']) : 0),
      message: typeof r['message'] === 'string' ? r['message'] : '',
    };
    if (levelName !== undefined) rec.severityText = levelName;
    if (typeof r['name'] === 'string') rec.logger = r['name'];
    const exc = objectOf(r['exception']);
    if (exc !== undefined && typeof exc['type'] === 'string') {
      // record.exception has only the class's short name and value; the frames are in `text`.
      const traceback = tracebackOfText(top['text'], rec.message);
      rec.exception = (traceback !== undefined ? lastException(traceback) : undefined) ?? {
        type: exc['type'],
        message: typeof exc['value'] === 'string' ? exc['value'] : '',
      };
      if (traceback !== undefined) rec.message = foldUnderMessage(rec.message, [traceback]);
    }
    const attrs: JsonObject = { ...(objectOf(r['extra']) ?? {}) };
    if (r['function'] !== undefined) attrs['function'] = r['function'];
    if (r['line'] !== undefined) attrs['line'] = r['line'];
    const file = objectOf(r['file']);
    if (file?.['name'] !== undefined) attrs['file'] = file['name'];
    const proc = objectOf(r['process']);
    if (proc?.['id'] !== undefined) attrs['process'] = proc['id'];
    const thread = objectOf(r['thread']);
    if (thread?.['name'] !== undefined) attrs['thread'] = thread['name'];
    liftWellKnown(rec, attrs);
    if (Object.keys(attrs).length > 0) rec.attributes = attrs;
    return rec;
  },
};
