// logback / log4j-style Java layouts: TTLLLayout `HH:mm:ss.SSS [thread] LEVEL logger - msg`
// (logback's no-config default), optionally with a date in front.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfNameOrLetter } from '../levels.js';
import { parseIsoAt, parseTimeOfDayAt, parsedEnd } from '../time.js';

export const logback: FormatDef = {
  id: 'logback',
  name: 'logback (Java)',
  parse(line) {
    const c0 = line.charCodeAt(0);
    if (c0 < 48 || c0 > 57) return undefined;
    let ts: number | undefined;
    let tod: number | undefined;
    if (line.charCodeAt(2) === 58) {
      const t = parseTimeOfDayAt(line, 0);
      if (t !== t) return undefined;
      tod = t;
    } else {
      const t = parseIsoAt(line, 0);
      if (t !== t) return undefined;
      ts = t;
    }
    let i = parsedEnd;
    if (line.charCodeAt(i) !== 32 || line.charCodeAt(i + 1) !== 91) return undefined;
    const close = line.indexOf('] ', i + 2);
    if (close === -1) return undefined;
    const thread = line.slice(i + 2, close);
    i = close + 2;
    const levelEnd = line.indexOf(' ', i);
    if (levelEnd === -1) return undefined;
    const level = line.slice(i, levelEnd);
    const sev = severityOfNameOrLetter(level);
    if (sev === undefined) return undefined;
    let j = levelEnd;
    while (line.charCodeAt(j) === 32) j++;
    const dash = line.indexOf(' - ', j);
    if (dash === -1) return undefined;
    const rec: FormatRecord = {
      ts,
      severity: sev,
      severityText: level,
      logger: line.slice(j, dash),
      message: line.slice(dash + 3),
      attributes: { thread },
    };
    if (tod !== undefined) rec.timeOfDayUs = tod;
    return rec;
  },
};
