// nginx error_log: `YYYY/MM/DD HH:MM:SS [level] pid#tid: *conn message`.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfName } from '../levels.js';
import { parseIsoAt, parsedEnd } from '../time.js';

const HEAD_RE = /^(\d+)#(\d+): (?:\*(\d+) )?/;
const CLIENT_RE = /, client: ([^,]+)/;
const REQUEST_RE = /, request: "([^"]*)"/;

export const nginxError: FormatDef = {
  id: 'nginx-error',
  name: 'nginx error log',
  parse(line) {
    if (line.charCodeAt(4) !== 47 /* / */) return undefined;
    const ts = parseIsoAt(line, 0, false);
    if (ts !== ts || line.charCodeAt(parsedEnd) !== 32 || line.charCodeAt(parsedEnd + 1) !== 91) return undefined;
    const close = line.indexOf('] ', parsedEnd);
    if (close === -1) return undefined;
    const level = line.slice(parsedEnd + 2, close);
    const sev = severityOfName(level);
    if (sev === undefined) return undefined;
    let message = line.slice(close + 2);
    const attrs: Record<string, unknown> = {};
    const head = HEAD_RE.exec(message);
    if (head) {
      attrs['pid'] = Number(head[1]);
      attrs['tid'] = Number(head[2]);
      if (head[3] !== undefined) attrs['connection'] = Number(head[3]);
      message = message.slice(head[0].length);
    }
    const client = CLIENT_RE.exec(message);
    if (client) attrs['client'] = client[1];
    const request = REQUEST_RE.exec(message);
    if (request) attrs['request'] = request[1];
    const rec: FormatRecord = { ts, severity: sev, severityText: level, logger: 'nginx', message, attributes: attrs };
    return rec;
  },
};
