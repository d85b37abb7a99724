// Django: `runserver` console output (DEFAULT_LOGGING) and the docs' "verbose" formatter.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfHttpStatus, sniffLevel, LEVEL_WARN, LEVEL_ERROR } from '../levels.js';
import { parseClfAt, parseIsoAt, parsedEnd } from '../time.js';
import { pythonLevel } from './python-logging.js';

const SERVER_RE = /^\[([^\]]+)\] "(\S+) (\S+) ([^"]*)" (\d{3}) (\d+|-)$/;

/** `[29/Nov/2026 19:47:42] "GET / HTTP/1.1" 200 3` from django.server. */
function runserverAccess(line: string): FormatRecord | undefined {
  if (line.charCodeAt(0) !== 91) return undefined;
  const m = SERVER_RE.exec(line);
  if (!m || m[1] === undefined) return undefined;
  const ts = parseClfAt(m[1], 0);
  if (ts !== ts) return undefined;
  const status = Number(m[5]);
  return {
    ts,
    severity: severityOfHttpStatus(status),
    logger: 'django.server',
    message: line.slice(m[1].length + 3),
    attributes: { method: m[2], path: m[3], protocol: m[4], status, bytes: m[6] === '-' ? 0 : Number(m[6]) },
  };
}

/**
 * Everything runserver prints: access lines carry a time; django.request's "Not Found: /x" and
 * "Internal Server Error: /x" (+ traceback) and the startup banner carry none.
 */
export const djangoRunserver: FormatDef = {
  id: 'django-runserver',
  name: 'Django runserver',
  lenient: true,
  detectLine: (line) => runserverAccess(line) !== undefined,
  parse(line) {
    const access = runserverAccess(line);
    if (access !== undefined) return access;
    if (line.startsWith('Not Found: ') || line.startsWith('Bad Request: ') || line.startsWith('Forbidden')) {
      return { ts: undefined, severity: LEVEL_WARN, logger: 'django.request', message: line };
    }
    if (line.startsWith('Internal Server Error: ')) {
      return { ts: undefined, severity: LEVEL_ERROR, logger: 'django.request', message: line };
    }
    const lvl = sniffLevel(line);
    const rec: FormatRecord = { ts: undefined, severity: lvl?.severity ?? 0, message: line };
    if (lvl !== undefined) rec.severityText = lvl.text;
    return rec;
  },
};

/** `{levelname} {asctime} {module} {process:d} {thread:d} {message}` */
export const djangoVerbose: FormatDef = {
  id: 'django-verbose',
  name: 'Django (verbose formatter)',
  parse(line) {
    const sp = line.indexOf(' ');
    if (sp < 4 || sp > 8) return undefined;
    const level = line.slice(0, sp);
    const sev = pythonLevel(level);
    if (sev === undefined) return undefined;
    const ts = parseIsoAt(line, sp + 1);
    if (ts !== ts || line.charCodeAt(parsedEnd) !== 32) return undefined;
    const rest = line.slice(parsedEnd + 1);
    const m = /^(\S+) (\d+) (\d+) ?/.exec(rest);
    if (!m) return undefined;
    return {
      ts,
      severity: sev,
      severityText: level,
      logger: m[1],
      message: rest.slice(m[0].length),
      attributes: { process: Number(m[2]), thread: Number(m[3]) },
    };
  },
};
