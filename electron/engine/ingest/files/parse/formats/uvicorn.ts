// uvicorn's default logging config: `LEVEL:     message`, access lines `client - "request" status`.
import { stripAnsi } from '../ansi.js';
import type { FormatDef, FormatRecord } from '../format.js';
import { pythonLevel } from './python-logging.js';

const ACCESS_RE = /^(\S+) - "(\S+) (\S+) ([^"]*)" (\d{3})(?: (.*))?$/;

/** uvicorn.access's `%(client_addr)s - "%(request_line)s" %(status_code)s` (gunicorn workers omit the phrase). */
export function parseUvicornAccess(message: string): Record<string, unknown> | undefined {
  const m = ACCESS_RE.exec(message);
  if (!m) return undefined;
  const attrs: Record<string, unknown> = {
    client: m[1],
    method: m[2],
    path: m[3],
    protocol: m[4],
    status: Number(m[5]),
  };
  return attrs;
}

export const uvicorn: FormatDef = {
  id: 'uvicorn',
  name: 'uvicorn',
  parse(raw) {
    const line = stripAnsi(raw);
    const colon = line.indexOf(':');
    if (colon < 4 || colon > 8 || line.charCodeAt(colon + 1) !== 32) return undefined;
    const level = line.slice(0, colon);
    const sev = pythonLevel(level);
    if (sev === undefined) return undefined;
    let i = colon + 1;
    while (line.charCodeAt(i) === 32) i++;
    // uvicorn pads `LEVEL:` to ten columns; `WARN: text` in prose is not uvicorn's
    if (i !== Math.max(10, colon + 2)) return undefined;
    const message = line.slice(i);
    const rec: FormatRecord = { ts: undefined, severity: sev, severityText: level, message };
    const access = parseUvicornAccess(message);
    if (access !== undefined) {
      rec.logger = 'uvicorn.access';
      rec.attributes = access;
    } else {
      rec.logger = 'uvicorn.error';
    }
    return rec;
  },
};
