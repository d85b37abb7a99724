// gunicorn's error log `[time +zone] [pid] [LEVEL] message`, plus the uvicorn-worker access lines
// that share its stream. (gunicorn's own access log is Apache "combined": the access format.)
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfHttpStatus, severityOfName } from '../levels.js';
import { parseIsoAt, parsedEnd, zoneAt } from '../time.js';
import { parseUvicornAccess } from './uvicorn.js';

export const gunicorn: FormatDef = {
  id: 'gunicorn',
  name: 'gunicorn',
  parse(line) {
    if (line.charCodeAt(0) !== 91 /* [ */) {
      const access = parseUvicornAccess(line);
      if (access === undefined) return undefined;
      const status = access['status'] as number;
      return { ts: undefined, severity: severityOfHttpStatus(status), logger: 'uvicorn.access', message: line, attributes: access };
    }
    let ts = parseIsoAt(line, 1, false);
    if (ts !== ts) return undefined;
    let i = parsedEnd;
    if (line.charCodeAt(i) === 32) {
      // gunicorn writes the zone after a space: `[2026-11-30 01:47:38 +0000]`
      const off = zoneAt(line, i + 1);
      if (off === off) {
        ts = ts + localZoneCorrection(ts) - off * 60_000_000;
        i = parsedEnd;
      }
    }
    if (line.charCodeAt(i) !== 93 || line.charCodeAt(i + 2) !== 91) return undefined;
    const pidEnd = line.indexOf('] [', i + 3);
    if (pidEnd === -1) return undefined;
    const levelEnd = line.indexOf(']', pidEnd + 3);
    if (levelEnd === -1) return undefined;
    const level = line.slice(pidEnd + 3, levelEnd);
    const sev = severityOfName(level);
    if (sev === undefined) return undefined;
    const rec: FormatRecord = {
      ts,
      severity: sev,
      severityText: level,
      logger: 'gunicorn.error',
      message: line.slice(levelEnd + 2),
    };
    const pid = Number(line.slice(i + 3, pidEnd));
    if (Number.isInteger(pid)) rec.attributes = { pid };
    return rec;
  },
};

/** parseIsoAt read the wall time as local; undo that to get the UTC reading of the same fields. */
function localZoneCorrection(localTsUs: number): number {
  return -new Date(Math.floor(localTsUs / 1000)).getTimezoneOffset() * 60_000_000;
}
