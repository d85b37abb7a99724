// nginx / Apache access logs: "combined" and "common" (also gunicorn's default access log).
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfHttpStatus } from '../levels.js';
import { parseClfAt } from '../time.js';

const ACCESS_RE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;

export const accessLog: FormatDef = {
  id: 'access',
  name: 'nginx / Apache access (combined, common)',
  parse(line) {
    const m = ACCESS_RE.exec(line);
    if (!m || m[4] === undefined || m[5] === undefined) return undefined;
    const ts = parseClfAt(m[4], 0);
    if (ts !== ts) return undefined;
    const status = Number(m[6]);
    const request = m[5];
    const attrs: Record<string, unknown> = { client: m[1] };
    if (m[3] !== '-') attrs['user'] = m[3];
    const parts = request.split(' ');
    if (parts.length === 3) {
      attrs['method'] = parts[0];
      attrs['path'] = parts[1];
      attrs['protocol'] = parts[2];
    } else {
      attrs['request'] = request;
    }
    attrs['status'] = status;
    attrs['bytes'] = m[7] === '-' ? 0 : Number(m[7]);
    if (m[8] !== undefined && m[8] !== '-') attrs['referer'] = m[8];
    if (m[9] !== undefined && m[9] !== '-') attrs['user_agent'] = m[9];
    const rec: FormatRecord = { ts, severity: severityOfHttpStatus(status), message: `${request} ${status}`, attributes: attrs };
    return rec;
  },
};
